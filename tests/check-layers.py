#!/usr/bin/env python3
"""The layers of src/ (src/README): a file includes only its own folder and
those below it (import and runtime both stand on config; neither sees the
other), and no module of a layer includes its way back to itself.  The
build already refuses an include that runs up or across the layers (each
layer is compiled with the -I paths of itself and those below); this also
names an include circle inside a layer, which the compiler cannot see."""

import os
import re
import sys

LAYERS = ('lib', 'config', 'import', 'runtime')
BELOW = {'lib': set(), 'config': {'lib'}, 'import': {'lib', 'config'},
         'runtime': {'lib', 'config'}}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    src = os.path.join(os.environ.get('TOP_SRCDIR', '.'), 'src')
    where, incs = {}, {}
    for layer in LAYERS:
        for name in sorted(os.listdir(os.path.join(src, layer))):
            if name.endswith(('.c', '.h')):
                where.setdefault(name, layer)
    for layer in LAYERS:
        for name in sorted(os.listdir(os.path.join(src, layer))):
            if not name.endswith(('.c', '.h')):
                continue
            with open(os.path.join(src, layer, name), errors='replace') as f:
                incs[(layer, name)] = INCLUDE.findall(f.read())
    problems = []
    for (layer, name), included in incs.items():
        for h in included:
            h = os.path.basename(h)
            if h in where and where[h] != layer and where[h] not in BELOW[layer]:
                problems.append('src/%s/%s includes %s/%s, a layer above or beside'
                                % (layer, name, where[h], h))
    # Modules (x.c with x.h, and its private x_int.h) and the headers they
    # include: a circle is a strongly connected component of more than one.
    graph = {}
    for (layer, name), included in incs.items():
        mod = module(name)
        graph.setdefault(mod, set()).update(
            module(os.path.basename(h)) for h in included
            if module(os.path.basename(h)) != mod and os.path.basename(h) in where)
    for comp in components(graph):
        if len(comp) > 1:
            problems.append('include circle: ' + ' -> '.join(sorted(comp)))
    for p in problems:
        print(p)
    print('layers: %d files, %d problems' % (len(incs), len(problems)))
    return 1 if problems else 0


def module(name):
    base = name[:-2]
    return base[:-4] if base.endswith('_int') else base


def components(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out


if __name__ == '__main__':
    sys.exit(main())
