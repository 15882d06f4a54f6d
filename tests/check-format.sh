#!/bin/sh
# The C sources follow the repository's .clang-format.
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed: skipped"; exit 77; }
cd "${TOP_SRCDIR:?}" || exit 1
files=$(ls src/*.c src/*.h services/*.c tests/*.c tests/*/*.c bench/*.c 2>/dev/null)
clang-format --dry-run -Werror $files
