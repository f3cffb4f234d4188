/*
 * Drop the library pages that only start-up used (see residency.h).
 */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "residency.h"

/* Text relocations write into a segment that is not writable in the file:
 * its pages are no longer the file's, and dropping them would lose that. */
static int
has_textrel(const struct dl_phdr_info *info)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const ElfW(Dyn) *d;

		if (ph->p_type != PT_DYNAMIC)
			continue;
		for (d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr); d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_TEXTREL ||
			    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
				return 1;
	}
	return 0;
}

/* dl_iterate_phdr's callback: drop each read-only loadable segment. */
static int
trim_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	int *refused = arg;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)size;
	/* The vDSO is the kernel's, not a file's. */
	if (info->dlpi_addr == getauxval(AT_SYSINFO_EHDR) || strstr(info->dlpi_name, "vdso") ||
	    has_textrel(info))
		return 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start, end;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		/* Whole pages of the file's part only: a page shared with a
		 * writable neighbour is left alone. */
		start = (info->dlpi_addr + ph->p_vaddr + page - 1) & ~(page - 1);
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_filesz) & ~(page - 1);
		if (end > start && madvise((void *)start, end - start, MADV_DONTNEED) != 0)
			(*refused)++;
	}
	return 0;
}

int
ttt_residency_trim(void)
{
	int refused = 0;

	(void)dl_iterate_phdr(trim_object, &refused);
	return refused;
}
