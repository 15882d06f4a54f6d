# make check-deb (not part of make check; CI runs it as root): build the
# Debian package from the dist tarball with its tests on, seeing only what
# debian/control declares; lintian, dpkg -i, check every installed file,
# run the installed daemon, purge (tests/deb/test_deb.sh).  A missing tool
# or a non-root user makes it exit 77 with the reason, and the target
# fails: a package test that could not run is never reported as a pass.
DEBIAN_FILES = debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/superserver.conf debian/superserver.dirs \
	debian/superserver.docs debian/superserver.postinst debian/superserver.postrm
EXTRA_DIST += $(DEBIAN_FILES) tests/deb/test_deb.sh tests/deb/declared_view.py \
	tests/deb/installed-files

check-deb: dist-gzip
	@rc=0; $(SHELL) $(srcdir)/tests/deb/test_deb.sh \
		'$(abs_builddir)/$(PACKAGE)-$(VERSION).tar.gz' || rc=$$?; \
	if test $$rc = 77; then echo "check-deb: SKIPPED (not a pass): see the reason above"; fi; \
	exit $$rc
.PHONY: check-deb
