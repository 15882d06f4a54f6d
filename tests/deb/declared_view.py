#!/usr/bin/env python3
"""Hide from a build every installed package that debian/control does not
declare, so that a build which passes proves its Build-Depends complete.

What stays visible is what a clean Debian build chroot holds (debootstrap's
buildd variant: the Essential and Priority: required packages, apt and
build-essential) plus the Build-Depends of debian/control for a build with
its tests on (<!nocheck> included), with the Pre-Depends and Depends of each,
all the way down (of a choice, the first alternative installed).  Every
other installed package's files under /usr and /etc get an overlayfs
whiteout in UPPER/usr and UPPER/etc; test_deb.sh mounts those over /usr and
/etc in a mount namespace of the build's own, so there those files do not
exist at all (a test that looks for a hidden tool skips, as on a buildd).

usage: declared_view.py debian/control UPPER
Prints what it did; exit 1 when a Build-Depends is not installed.
"""

import os
import re
import subprocess
import sys

FIELDS = ('binary:Package', 'Package', 'Status', 'Essential', 'Priority',
          'Provides', 'Pre-Depends', 'Depends')


def installed_packages():
    fmt = '\\t'.join('${%s}' % f for f in FIELDS) + '\\n'
    out = subprocess.run(['dpkg-query', '-W', '-f', fmt], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    pkgs = {}
    for line in out.splitlines():
        row = dict(zip(FIELDS, line.split('\t')))
        if row.get('Status', '').endswith(' installed'):
            pkgs.setdefault(row['Package'], []).append(row)
    return pkgs


def applies(restrictions):
    """Build profile restrictions ("<!nocheck> <x y>") for a build with no
    profile active (tests on): one list whose terms all hold is enough,
    and with nothing active only negated terms hold."""
    lists = re.findall(r'<([^>]*)>', restrictions)
    return not lists or any(all(t.startswith('!') for t in l.split()) for l in lists)


def alternatives(field):
    """[[name, ...], ...]: each comma group's alternatives that apply, as
    bare package names (no version, architecture or profile)."""
    groups = []
    for group in field.split(','):
        names = []
        for alt in group.split('|'):
            if not applies(alt):
                continue
            alt = re.sub(r'\(.*?\)|\[.*?\]|<.*?>', '', alt).strip()
            if alt:
                names.append(alt.split(':')[0])
        if names:
            groups.append(names)
    return groups


def build_depends(control):
    source = open(control).read().split('\n\n')[0]
    fields = re.findall(r'^Build-Depends(?:-Arch|-Indep)?:(.*(?:\n[ \t].*)*)', source, re.M)
    return alternatives(','.join(f.replace('\n', ' ') for f in fields))


def closure(pkgs, roots):
    providers = {}
    for name, rows in pkgs.items():
        for row in rows:
            for group in alternatives(row['Provides']):
                providers.setdefault(group[0], set()).add(name)
    seen, missing, todo = set(), [], list(roots)

    def resolve(group):
        for alt in group:
            if alt in pkgs:
                return {alt}
            if alt in providers:
                return providers[alt]
        return None
    while todo:
        group = todo.pop()
        got = resolve(group)
        if got is None:
            missing.append(' | '.join(group))
            continue
        for name in got - seen:
            seen.add(name)
            for row in pkgs[name]:
                todo.extend(alternatives(row['Pre-Depends']))
                todo.extend(alternatives(row['Depends']))
    return seen, missing


def package_files(binary_name):
    for name in (binary_name, binary_name.split(':')[0]):
        path = '/var/lib/dpkg/info/%s.list' % name
        if os.path.exists(path):
            with open(path) as f:
                return f.read().splitlines()
    return []


def on_disk(path):
    """The path as it lies under /usr or /etc (merged /usr: /bin is usr/bin)."""
    top = '/' + path.split('/')[1]
    if top not in ('/usr', '/etc') and os.path.islink(top):
        path = os.path.join('/', os.readlink(top).lstrip('/')) + path[len(top):]
    return path if path.startswith(('/usr/', '/etc/')) else None


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    control, upper = argv[1], argv[2]
    pkgs = installed_packages()
    declared = build_depends(control)
    roots = [[n] for n, rows in pkgs.items()
             if any(r['Essential'] == 'yes' or r['Priority'] == 'required' for r in rows)]
    roots += [['apt'], ['build-essential']]
    base, base_missing = closure(pkgs, roots)
    visible, missing = closure(pkgs, roots + declared)
    missing = [m for m in missing if m not in base_missing]
    if missing:
        print('declared_view: Build-Depends not installed: %s' % ', '.join(sorted(missing)))
        return 1
    keep = set()
    for name in visible:
        for row in pkgs[name]:
            keep.update(p for p in map(on_disk, package_files(row['binary:Package'])) if p)
    hidden_pkgs = sorted(set(pkgs) - visible)
    hidden = set()
    for name in hidden_pkgs:
        for row in pkgs[name]:
            for p in map(on_disk, package_files(row['binary:Package'])):
                if p and p not in keep and os.path.lexists(p) and not os.path.isdir(p):
                    hidden.add(p)
    for p in sorted(hidden):
        w = os.path.join(upper, p.lstrip('/'))
        os.makedirs(os.path.dirname(w), exist_ok=True)
        os.mknod(w, 0o600 | 0o020000, os.makedev(0, 0))  # an overlayfs whiteout
    print('declared_view: %d packages visible (%d of a build chroot, %d for the '
          'Build-Depends), %d hidden with their %d files' % (
              len(visible), len(base), len(visible - base), len(hidden_pkgs), len(hidden)))
    print('declared_view: visible for the Build-Depends: %s' % ' '.join(sorted(visible - base)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
