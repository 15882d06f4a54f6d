#!/bin/sh
# The C sources follow the repository's .clang-format.
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed: skipped"; exit 77; }
cd "${TOP_SRCDIR:?}" || exit 1
files=$(find src services tests bench -name '*.[ch]' | sort)
clang-format --dry-run -Werror $files
