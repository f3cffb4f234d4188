# make deb: a Debian binary package, built with debhelper from debian/.
#
#   make deb        build/deb/tinytaptunnel_VERSION_ARCH.deb (unsigned), and its build log
#   make deb-lint   make deb, then lintian (errors and warnings fail) and blhc on the build log
#
# dpkg-buildpackage writes its artefacts to the parent of the tree it builds,
# so the build runs on a copy, $(DEB_OUT)/tinytaptunnel: the .deb, the
# -dbgsym .ddeb, .buildinfo and .changes land in $(DEB_OUT) itself. The copy
# is always at the same path and SOURCE_DATE_EPOCH comes from
# debian/changelog's date, so two builds of one tree give the same .deb
# (tests/e2e/test_deb.sh compares them). DEB_BUILD_OPTIONS from the
# environment is honoured (nocheck skips the unit tests).

DEB_OUT   ?= build/deb
DEB_TREE  := $(DEB_OUT)/tinytaptunnel
DEB_ARCH   = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_FILE   = $(DEB_OUT)/tinytaptunnel_$(VERSION)_$(DEB_ARCH).deb
DEB_LOG   := $(DEB_OUT)/build.log

.PHONY: deb deb-lint

deb:
	$(call say,DEB,$(DEB_OUT))
	$(Q)rm -rf "$(DEB_OUT)" && mkdir -p "$(DEB_TREE)"
	$(Q)tar -cf - --exclude=./.git --exclude=./build --exclude='./build-*' \
	    --exclude=./$(PROG) . | tar -xf - -C "$(DEB_TREE)"
	$(Q)cd "$(DEB_TREE)" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    dpkg-buildpackage -b -us -uc > ../build.log 2>&1 || \
	    { tail -n 40 "$(DEB_LOG)"; echo "deb: dpkg-buildpackage failed; the log is $(DEB_LOG)" >&2; exit 1; }
	$(Q)rm -rf "$(DEB_TREE)"
	@ls "$(DEB_FILE)"

deb-lint: deb
	lintian --fail-on error,warning --display-info "$(DEB_FILE)"
	blhc --all "$(DEB_LOG)"
