#!/bin/sh
# systemd-analyze verify on the generated unit and the example socket unit,
# with ExecStart and ExecReload pointing at the built programs (the installed
# ones may not exist).  Skipped (77) where systemd-analyze is not installed.
command -v systemd-analyze >/dev/null 2>&1 || {
    echo "systemd-analyze not installed (Debian package systemd): skipped"
    exit 77
}
: "${TOP_BUILDDIR:?}" "${TOP_SRCDIR:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sed -e "s|^ExecStart=[^ ]*|ExecStart=$TOP_BUILDDIR/src/superserverd|" \
    -e "s|^ExecReload=[^ ]*|ExecReload=$TOP_BUILDDIR/src/superserverctl|" \
    "$TOP_BUILDDIR/etc/superserverd.service" >"$tmp/superserverd.service" || exit 1
cp "$TOP_SRCDIR/etc/superserverd.socket" "$tmp/" || exit 1
cd "$tmp" || exit 1
if out=$(systemd-analyze verify --man=no ./superserverd.service ./superserverd.socket 2>&1) &&
    [ -z "$out" ]; then
    echo "ok   superserverd.service superserverd.socket"
    exit 0
fi
echo "FAIL systemd-analyze verify:"
echo "$out"
exit 1
