# make install / make uninstall (see doc/INSTALL.md).
#
#   make install                          under /usr/local, config in /etc; the
#                                         daemon built to run the worker image
#                                         from $(PREFIX)/libexec/tinytaptunnel
#   make install PREFIX=/usr              where a distribution package puts things
#   make install DESTDIR=/tmp/stage       the same tree, staged (packaging, tests)
#   make uninstall [PREFIX=...] [DESTDIR=...]   removes exactly what install put
#
# Every directory can be overridden on the command line. The systemd unit and
# the sysusers file go where systemd looks: it searches /usr/local/lib/systemd/
# system and /usr/local/lib/sysusers.d as well as the distribution's own
# directories. With PREFIX=/usr the unit goes to /lib/systemd/system, the
# directory Debian 12's systemd.pc names (the same directory as
# /usr/lib/systemd/system on a merged-/usr system); elsewhere pass
# SYSTEMDUNITDIR="$(pkg-config --variable=systemdsystemunitdir systemd)".
#
# The configuration directory is /etc whatever PREFIX is, because the unit reads
# /etc/tinytaptunnel/NAME.conf. Only the example is installed there, and an
# existing one is never overwritten; keys and instance files are the admin's.

PREFIX         ?= /usr/local
DESTDIR        ?=
SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
SCRIPTSDIR     ?= $(PREFIX)/libexec/tinytaptunnel
# The worker's image: a program only the daemon runs, so libexec.
WORKERDIR      ?= $(PREFIX)/libexec/tinytaptunnel
SYSCONFDIR     ?= /etc
ifeq ($(PREFIX),/usr)
SYSTEMDUNITDIR ?= /lib/systemd/system
else
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
endif
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
INSTALL        ?= install

TTT_CONFDIR    := $(SYSCONFDIR)/tinytaptunnel
TTT_UNIT       := tinytaptunnel@.service
TTT_SYSUSERS   := tinytaptunnel.conf
TTT_EXAMPLE    := example.conf
TTT_MAN        := doc/tinytaptunnel.8
# Whatever bridge/NAT/proxy-ARP scripts the tree holds (not demo.sh), and the
# helpers they source (not executable: they are never run on their own).
# They go to libexec: programs an administrator runs by path, not commands
# for everyone's PATH.
TTT_SCRIPTS    := $(notdir $(wildcard scripts/l[23]_*.sh))
TTT_SCRIPT_LIBS := $(notdir $(wildcard scripts/ttt-common.sh scripts/ttt-l3-common.sh))

.PHONY: install uninstall install-bins FORCE

# The installed daemon names the installed worker image, an absolute path
# fixed when it is built (worker_image.h): the same main.c as ./tinytaptunnel,
# compiled once more with that path, rebuilt whenever the path changes.
TTT_INSTALL_BIN := $(BUILD)/install/tinytaptunnel
TTT_WORKER_INSTALLED := $(WORKERDIR)/tinytaptunnel-worker

$(BUILD)/install/worker-path: FORCE
	@mkdir -p $(dir $@)
	@echo '$(TTT_WORKER_INSTALLED)' | cmp -s - $@ || echo '$(TTT_WORKER_INSTALLED)' > $@

$(BUILD)/install/main.o: src/main.c $(BUILD)/install/worker-path debian/changelog
	$(call say,CC,$< (worker in $(WORKERDIR)))
	$(Q)$(CC) $(CPPFLAGS) -DTTT_WORKER_PATH='"$(TTT_WORKER_INSTALLED)"' $(CFLAGS) -MMD -MP -c -o $@ $<

$(TTT_INSTALL_BIN): $(BUILD)/install/main.o $(LIB)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

-include $(BUILD)/install/main.d

# What an install or a package ships: that daemon and the worker's image.
install-bins: $(TTT_INSTALL_BIN) $(WORKER_BIN)

# The unit names the packaging path /usr/sbin/tinytaptunnel; installed, it
# names the binary where this install put it (generated on every install, since
# SBINDIR may differ from the last one).
TTT_UNIT_GEN   := $(BUILD)/install/$(TTT_UNIT)

install: install-bins
	@mkdir -p $(dir $(TTT_UNIT_GEN))
	sed 's|/usr/sbin/tinytaptunnel|$(SBINDIR)/tinytaptunnel|g' dist/systemd/$(TTT_UNIT) > $(TTT_UNIT_GEN)
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(MANDIR)/man8" \
	    "$(DESTDIR)$(SYSTEMDUNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" "$(DESTDIR)$(TTT_CONFDIR)" \
	    "$(DESTDIR)$(WORKERDIR)"
	$(INSTALL) -m 0755 $(TTT_INSTALL_BIN) "$(DESTDIR)$(SBINDIR)/tinytaptunnel"
	$(INSTALL) -m 0755 $(WORKER_BIN) "$(DESTDIR)$(WORKERDIR)/tinytaptunnel-worker"
	$(INSTALL) -m 0644 $(TTT_MAN) "$(DESTDIR)$(MANDIR)/man8/tinytaptunnel.8"
	$(INSTALL) -m 0644 $(TTT_UNIT_GEN) "$(DESTDIR)$(SYSTEMDUNITDIR)/$(TTT_UNIT)"
	$(INSTALL) -m 0644 dist/systemd/tinytaptunnel.sysusers "$(DESTDIR)$(SYSUSERSDIR)/$(TTT_SYSUSERS)"
ifneq ($(TTT_SCRIPTS),)
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(SCRIPTSDIR)"
	$(INSTALL) -m 0755 $(addprefix scripts/,$(TTT_SCRIPTS)) "$(DESTDIR)$(SCRIPTSDIR)/"
	$(INSTALL) -m 0644 $(addprefix scripts/,$(TTT_SCRIPT_LIBS)) "$(DESTDIR)$(SCRIPTSDIR)/"
endif
	@f="$(DESTDIR)$(TTT_CONFDIR)/$(TTT_EXAMPLE)"; \
	if [ -e "$$f" ]; then \
	  echo "install: keeping the existing $$f"; \
	else \
	  echo "$(INSTALL) -m 0644 dist/$(TTT_EXAMPLE) $$f"; \
	  $(INSTALL) -m 0644 dist/$(TTT_EXAMPLE) "$$f"; \
	fi

# Shared directories (sbin, man8, libexec, the systemd ones) stay; our own go if empty.
# The example config goes only if it is still the one we ship, and its
# directory only if nothing else (keys, instance files) is in it.
uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/tinytaptunnel" "$(DESTDIR)$(MANDIR)/man8/tinytaptunnel.8" \
	    "$(DESTDIR)$(SYSTEMDUNITDIR)/$(TTT_UNIT)" "$(DESTDIR)$(SYSUSERSDIR)/$(TTT_SYSUSERS)"
	rm -f "$(DESTDIR)$(WORKERDIR)/tinytaptunnel-worker"
	for f in $(TTT_SCRIPTS) $(TTT_SCRIPT_LIBS); do rm -f "$(DESTDIR)$(SCRIPTSDIR)/$$f"; done
	rmdir "$(DESTDIR)$(SCRIPTSDIR)" "$(DESTDIR)$(WORKERDIR)" 2>/dev/null || true
	@f="$(DESTDIR)$(TTT_CONFDIR)/$(TTT_EXAMPLE)"; \
	if [ -f "$$f" ] && ! cmp -s dist/$(TTT_EXAMPLE) "$$f"; then \
	  echo "uninstall: keeping $$f: it differs from dist/$(TTT_EXAMPLE)"; \
	else \
	  echo "rm -f $$f"; rm -f "$$f"; \
	fi
	rmdir "$(DESTDIR)$(TTT_CONFDIR)" 2>/dev/null || true
