#!/bin/sh
# Format each manual page with warnings enabled; any warning fails the test.
# Skipped (exit 77) where man(1) or groff is not installed.
command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1 || {
    echo "man or groff not installed: skipping the manual page check"
    exit 77
}
dir="${TOP_SRCDIR:-$(dirname "$0")/..}/man"
status=0
for page in "$dir"/*.[1-9]; do
    if ! warnings=$(man --warnings -l "$page" 2>&1 >/dev/null); then
        echo "FAIL $page: man exited with an error: $warnings"
        status=1
    elif [ -n "$warnings" ]; then
        echo "FAIL $page:"
        echo "$warnings"
        status=1
    else
        echo "ok   $page"
    fi
done
exit $status
