# Sample configurations and the systemd unit, generated from templates so
# they name the handler directory this build installs to.
#  - etc/superserver.{conf,yaml}: handlers in $(pkglibexecdir), installed to
#    $(sysconfdir)/superserver/;
#  - etc/superserver.local.{conf,yaml}: handlers in this build tree, for
#    running the daemon before installing (README, Quick start); not installed;
#  - etc/superserverd.service: installed to $(systemdsystemunitdir).
superserverconfdir = $(sysconfdir)/superserver
superserverconf_DATA = etc/superserver.conf etc/superserver.yaml
if HAVE_SYSTEMD_UNITDIR
systemdsystemunit_DATA = etc/superserverd.service
endif
noinst_DATA += etc/superserver.local.conf etc/superserver.local.yaml etc/superserverd.service

ETC_TEMPLATES = etc/superserver.conf.in etc/superserver.yaml.in etc/superserverd.service.in
EXTRA_DIST += $(ETC_TEMPLATES)
CLEANFILES += $(superserverconf_DATA) etc/superserverd.service \
	etc/superserver.local.conf etc/superserver.local.yaml

# Fill a template ([@] keeps config.status from substituting the names
# here); output goes to a temporary name first, so an interrupted
# build leaves no half-written file behind.
etc_sed = $(MKDIR_P) etc && sed -e 's|[@]sbindir[@]|$(sbindir)|g' -e 's|[@]sysconfdir[@]|$(sysconfdir)|g'
etc_installed = -e 's|[@]handlerdir[@]|$(pkglibexecdir)|g'
etc_local = -e 's|[@]handlerdir[@]|$(abs_top_builddir)/services|g'

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
# of the system's unit directory.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$${dc_install_base}/$(systemdsystemunitdir)'
