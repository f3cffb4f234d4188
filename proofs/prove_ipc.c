/*
 * EVA driver: ttt_ipc_parse, the parent's parser of what the worker sends
 * (the privilege boundary: a compromised worker chooses every byte), on
 * any record the channel can hand over: any length up to the receive
 * buffer, any bytes. (The worker's side, which checks the configuration
 * against cli.c's table, is not analysed: see SECURITY.md.)
 *
 * prove-sources: src/ipc.c
 */
#include "__fc_builtin.h"
#include "ipc.h"
#include "prove.h"

int
main(void)
{
	uint8_t buf[TTT_IPC_MSG_MAX];
	struct ttt_ipc_msg m;
	size_t len;
	const uint8_t *rec;

	rec = any_input(buf, sizeof(buf), &len);
	(void)ttt_ipc_parse(TTT_IPC_TO_PARENT, rec, len, &m);
	Frama_C_show_each_reached();
	return 0;
}
