# Sample configurations and the systemd unit, generated from templates so
# they name the handler directory this build installs to.
#  - etc/superserver.{conf,yaml}: handlers in $(pkglibexecdir), run as
#    nobody, installed to $(sysconfdir)/superserver/ (see below);
#  - etc/superserver.local.{conf,yaml}: handlers in this build tree, run as
#    the invoking user, for running the daemon before installing (README,
#    Quick start); not installed;
#  - etc/superserverd.service: installed to $(systemdsystemunitdir).
superserverconfdir = $(sysconfdir)/superserver
# The group the installed samples give the control socket (control_group)
# and the metrics service, so that metrics-http, running as nobody, may ask
# the daemon and gains nothing else.  make install creates it (below).
CONTROL_GROUP = superserver
SAMPLE_CONFIGS = etc/superserver.conf etc/superserver.yaml
if HAVE_SYSTEMD_UNITDIR
systemdsystemunit_DATA = etc/superserverd.service
endif
noinst_DATA += $(SAMPLE_CONFIGS) etc/superserver.local.conf etc/superserver.local.yaml \
	etc/superserverd.service

# The sample configs are the admin's once installed: an existing file that
# differs from the new sample is kept and the sample goes beside it as
# FILE.sample; uninstall removes a config only while it is still the
# sample, so an edited one survives both (an unedited one is removed, as
# distcheck wants).  The emptied handler folder goes too.
#
# The samples' control_group must exist when they are loaded: installed as
# root onto this system (no DESTDIR), make install creates it as a system
# group; otherwise (a staged install, a package, --disable-groupadd) it
# says who must.  The group is left by uninstall, as packages leave system
# groups.  The control socket's folder is made unless it is the system's
# /run.
install-data-local:
	@$(NORMAL_INSTALL)
	$(MKDIR_P) '$(DESTDIR)$(superserverconfdir)'
	@case '$(runstatedir)' in /run|/var/run) ;; *) \
	  echo " $(MKDIR_P) '$(DESTDIR)$(runstatedir)'"; \
	  $(MKDIR_P) '$(DESTDIR)$(runstatedir)' || exit 1;; esac
	@if getent group '$(CONTROL_GROUP)' >/dev/null; then :; \
	elif test '$(GROUPADD)' = yes && test -z '$(DESTDIR)' && test "`id -u`" = 0; then \
	  echo " groupadd --system $(CONTROL_GROUP)"; \
	  groupadd --system '$(CONTROL_GROUP)' || exit 1; \
	else \
	  echo "note: the samples name the group $(CONTROL_GROUP) (control_group):" \
	    "create it where they run (groupadd --system $(CONTROL_GROUP))"; \
	fi
	@for f in $(SAMPLE_CONFIGS); do \
	  dst='$(DESTDIR)$(superserverconfdir)'/`basename $$f`; \
	  if test -f "$$dst" && ! cmp -s "$$f" "$$dst"; then \
	    echo "$$dst differs from the sample: kept; new sample in $$dst.sample"; \
	    echo " $(INSTALL_DATA) $$f '$$dst.sample'"; \
	    $(INSTALL_DATA) "$$f" "$$dst.sample" || exit 1; \
	  else \
	    echo " $(INSTALL_DATA) $$f '$$dst'"; \
	    $(INSTALL_DATA) "$$f" "$$dst" || exit 1; \
	    rm -f "$$dst.sample"; \
	  fi; \
	done

uninstall-local:
	@$(NORMAL_UNINSTALL)
	@for f in $(SAMPLE_CONFIGS); do \
	  dst='$(DESTDIR)$(superserverconfdir)'/`basename $$f`; \
	  rm -f "$$dst.sample"; \
	  if test -f "$$dst" && ! cmp -s "$$f" "$$dst"; then \
	    echo "$$dst differs from the sample: kept"; \
	  else \
	    echo " rm -f '$$dst'"; rm -f "$$dst"; \
	  fi; \
	done
	@rmdir '$(DESTDIR)$(superserverconfdir)' 2>/dev/null || :
	@case '$(runstatedir)' in /run|/var/run) ;; *) \
	  rmdir '$(DESTDIR)$(runstatedir)' 2>/dev/null || :;; esac

uninstall-hook:
	@rmdir '$(DESTDIR)$(pkglibexecdir)' 2>/dev/null || :

ETC_TEMPLATES = etc/superserver.conf.in etc/superserver.yaml.in etc/superserverd.service.in
EXTRA_DIST += $(ETC_TEMPLATES)
CLEANFILES += $(SAMPLE_CONFIGS) etc/superserverd.service \
	etc/superserver.local.conf etc/superserver.local.yaml

# Fill a template ([@] keeps config.status from substituting the names
# here); output goes to a temporary name first, so an interrupted
# build leaves no half-written file behind.
etc_sed = $(MKDIR_P) etc && sed -e 's|[@]sbindir[@]|$(sbindir)|g' -e 's|[@]sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|[@]runstatedir[@]|$(runstatedir)|g' -e 's|[@]controlgroup[@]|$(CONTROL_GROUP)|g'
# A template line that starts with the token "installed" between two at
# signs is live in the installed samples and a comment in the local ones (the
# default user: nobody once installed, the invoking user when tried from the
# build tree); one that starts with "local" is only in the local ones (a
# control socket in the build tree, which metrics-http is pointed at).
etc_installed = -e 's|[@]handlerdir[@]|$(pkglibexecdir)|g' -e 's|[@]installed[@]||' \
	-e '/[@]local[@]/d'
etc_local = -e 's|[@]handlerdir[@]|$(abs_top_builddir)/services|g' -e 's|[@]installed[@]|\# |' \
	-e 's|[@]local[@]||' -e 's|[@]builddir[@]|$(abs_top_builddir)|g'

etc/superserver.conf: $(srcdir)/etc/superserver.conf.in Makefile
	$(AM_V_GEN)$(etc_sed) $(etc_installed) $(srcdir)/etc/superserver.conf.in >$@.tmp && mv $@.tmp $@
etc/superserver.yaml: $(srcdir)/etc/superserver.yaml.in Makefile
	$(AM_V_GEN)$(etc_sed) $(etc_installed) $(srcdir)/etc/superserver.yaml.in >$@.tmp && mv $@.tmp $@
etc/superserver.local.conf: $(srcdir)/etc/superserver.conf.in Makefile
	$(AM_V_GEN)$(etc_sed) $(etc_local) $(srcdir)/etc/superserver.conf.in >$@.tmp && mv $@.tmp $@
etc/superserver.local.yaml: $(srcdir)/etc/superserver.yaml.in Makefile
	$(AM_V_GEN)$(etc_sed) $(etc_local) $(srcdir)/etc/superserver.yaml.in >$@.tmp && mv $@.tmp $@
etc/superserverd.service: $(srcdir)/etc/superserverd.service.in Makefile
	$(AM_V_GEN)$(etc_sed) $(srcdir)/etc/superserverd.service.in >$@.tmp && mv $@.tmp $@

# distcheck installs under a scratch prefix: keep the unit there too instead
# of the system's unit directory, and add no group to the system.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$${dc_install_base}/$(systemdsystemunitdir)' \
	--disable-groupadd

# An example socket unit (documented in superserverd(8), not installed), and
# systemd-analyze verify on both units.
EXTRA_DIST += etc/superserverd.socket etc/check-units.sh
TESTS += etc/check-units.sh
