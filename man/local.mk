# Manual pages, and a test that formats them with warnings enabled.
dist_man_MANS = man/superserverd.8 man/superserver.conf.5 man/superserverctl.8

TESTS += man/check-man.sh
EXTRA_DIST += man/check-man.sh
