# make check-deb (not part of make check; CI runs it as root): build the
# Debian package from the dist tarball, lintian, dpkg -i, check, purge
# (tests/deb/test_deb.sh).  A missing tool or a non-root user is reported
# as SKIP and does not fail the target.
DEBIAN_FILES = debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/superserver.conf debian/superserver.dirs \
	debian/superserver.postinst debian/superserver.postrm
EXTRA_DIST += $(DEBIAN_FILES) tests/deb/test_deb.sh

check-deb: dist-gzip
	@rc=0; $(SHELL) $(srcdir)/tests/deb/test_deb.sh \
		'$(abs_builddir)/$(PACKAGE)-$(VERSION).tar.gz' || rc=$$?; \
	if test $$rc = 77; then echo "check-deb: SKIPPED"; else exit $$rc; fi
.PHONY: check-deb
