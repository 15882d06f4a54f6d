#!/bin/sh
# Each manual page must format without a warning and keep its examples
# closed; any finding fails the test:
#  - groff -man -ww -z: every warning troff has (an unescaped \r or \n, a
#    control character such as a form feed, an undefined register);
#  - man --warnings at 80, 72 and 60 columns (what a reader's terminal
#    does: "cannot adjust line" and the like);
#  - .EX/.EE balanced: every .EX is closed by an .EE before the next .EX,
#    paragraph or section macro, and no .EE comes without its .EX (an
#    unclosed example renders the rest of the section unfilled).
# Skipped (exit 77) where man(1) or groff is not installed.
command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1 || {
    echo "man or groff not installed: skipping the manual page check"
    exit 77
}
dir="${TOP_SRCDIR:-$(dirname "$0")/..}/man"

# The .EX/.EE findings of PAGE, one "FILE:LINE: ..." line each.
examples() {
    awk -v f="$1" '
        function bad(msg) { printf "%s:%d: %s\n", f, FNR, msg }
        /^\.EX([ \t]|$)/ {
            if (open && !told) bad(".EX inside the example opened at line " open " (no .EE)")
            open = FNR; told = 0; next
        }
        /^\.EE([ \t]|$)/ { if (!open) bad(".EE without .EX"); open = 0; next }
        /^\.(SH|SS|TP|IP|PP|LP|P|RS|RE|TQ)([ \t]|$)/ {
            if (open && !told) bad($1 " inside the example opened at line " open " (no .EE)")
            if (open) told = 1
        }
        END { if (open && !told) { FNR = open; bad(".EX never closed") } }
    ' "$1"
}

status=0
for page in "$dir"/*.[1-9]; do
    found=$(groff -man -ww -z "$page" 2>&1)
    for width in 80 72 60; do
        if ! w=$(MANWIDTH=$width man --warnings -l "$page" 2>&1 >/dev/null); then
            w="man exited with an error: $w"
        fi
        [ -z "$w" ] || found="$found${found:+
}at $width columns: $w"
    done
    ex=$(examples "$page")
    [ -z "$ex" ] || found="$found${found:+
}$ex"
    if [ -n "$found" ]; then
        echo "FAIL $page:"
        echo "$found"
        status=1
    else
        echo "ok   $page"
    fi
done
exit $status
