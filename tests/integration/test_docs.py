#!/usr/bin/env python3
"""The documented paths, run from the text of the docs (issue 23 item 9).

README's Install line runs into a relocated prefix (--prefix=$T/usr,
--sysconfdir=$T/etc, --runstatedir=$T/run and the unit in $T: the same line
that keeps away from the host's folders), as root; then the installed
daemon starts on the installed sample exactly as the installed unit's
ExecStart says (the sample's fixed ports moved to free ones, as an admin on
a busy host would), and:
  - the files README's Install paragraph lists are installed, and the
    system group the samples' control_group names exists;
  - every service README's Quick start lists answers on the port it says,
    and the "From another terminal" commands answer (nc, curl);
  - `superserverctl` with no option (its default config, then the default
    control socket) answers every command README's "Looking at a running
    daemon" shows, and the unit's ExecReload works;
  - the metrics URL answers 200 with the metrics, from metrics-http run as
    nobody in the samples' control_group;
  - superserverd(8) EXAMPLES: the -t listing and the event=ready line are
    what the daemon prints.
The TLS recipe runs from README's stunnel configuration and service and
superserver.conf(5)'s certificate and check commands.

Needs root (the sample runs handlers as nobody), autoreconf (./autogen.sh)
and make; the client parts need nc (netcat-openbsd), curl, stunnel4 and
openssl, and skip, saying so, without them.
"""

import grp
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest

import sslib

SRC = os.environ.get('TOP_SRCDIR', '.')
BUILD = os.environ.get('TOP_BUILDDIR', '.')
GROUP = 'superserver'  # the samples' control_group (etc/local.mk)


def read(path):
    with open(path) as f:
        return f.read()


def section(markdown, heading):
    """The text of the README section HEADING, up to the next heading of the
    same or a higher level (lines in code blocks are no headings)."""
    out, level, fenced = None, 0, False
    for line in markdown.splitlines(keepends=True):
        if line.startswith('```'):
            fenced = not fenced
        m = None if fenced else re.match(r'(#+) (.*)\n', line)
        if out is not None and m and len(m.group(1)) <= level:
            break
        if out is not None:
            out.append(line)
        elif m and m.group(2) == heading:
            out, level = [], len(m.group(1))
    if out is None:
        raise AssertionError('README has no section "%s"' % heading)
    return ''.join(out)


def code_blocks(text):
    """The fenced code blocks of TEXT: [(info string, body)]."""
    return re.findall(r'^```(\w*)\n(.*?)^```$', text, re.M | re.S)


def roff_text(line):
    """A line of a man page's example as the reader sees it."""
    for esc, plain in ((r'\-', '-'), (r'\(aq', "'"), (r'\(dq', '"'), (r'\&', ''),
                       (r'\fB', ''), (r'\fI', ''), (r'\fR', ''), (r'\fP', '')):
        line = line.replace(esc, plain)
    return line.replace(r'\e', '\\')


def man_examples(page):
    """The .EX/.EE blocks of PAGE (man/PAGE), each a list of plain lines."""
    blocks, cur = [], None
    for line in read(os.path.join(SRC, 'man', page)).splitlines():
        if line.startswith('.EX'):
            cur = []
        elif line.startswith('.EE'):
            blocks.append(cur)
            cur = None
        elif cur is not None:
            cur.append(roff_text(line))
    return blocks


def build_env():
    """The environment for a build of our own: no outer jobserver, but the
    outer make's variable overrides (check-sanitizers passes SAN_CFLAGS)."""
    env = dict(os.environ)
    flags = env.pop('MAKEFLAGS', '')
    for k in ('MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES'):
        env.pop(k, None)
    overrides = flags.split(' -- ', 1)[1] if ' -- ' in flags else ''
    env['MAKEFLAGS'] = '-j2' + (' -- ' + overrides if overrides else '')
    return env


def copy_regular(src, dst):
    """copytree's copy: regular files only (no sockets a Quick start left),
    and none that a concurrent make removed meanwhile."""
    if not os.path.isfile(src) or os.path.islink(src):
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        return dst
    try:
        return shutil.copy2(src, dst)
    except FileNotFoundError:
        return dst


def run(argv, timeout=60, **kw):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, **kw)


class Installed(unittest.TestCase):
    """README's Install line, run once; its daemon for every test."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest('README\'s Install is run as root (the installed '
                                    'sample runs handlers as nobody)')
        for tool in ('make', 'autoreconf'):
            if not shutil.which(tool):
                raise unittest.SkipTest('needs %s (./autogen.sh, make)' % tool)
        cls.readme = read(os.path.join(SRC, 'README.md'))
        cls.tmp = tempfile.mkdtemp(prefix='ss-docs-')
        os.chmod(cls.tmp, 0o755)  # handlers run as nobody reach their files
        cls.had_group = cls.group_exists()
        try:
            cls.install()
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @staticmethod
    def group_exists():
        try:
            grp.getgrnam(GROUP)
            return True
        except KeyError:
            return False

    @classmethod
    def tearDownClass(cls):
        d = getattr(cls, 'd', None)
        if d is not None:
            d.cleanup()
        if not cls.had_group and cls.group_exists():
            subprocess.run(['groupdel', GROUP], capture_output=True)
        if os.environ.get('SS_KEEP_TMP'):
            print('kept %s' % cls.tmp)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def install(cls):
        """Run the Install line in a copy of the tree (of the built one, with
        its timestamps, so that only what the new paths touch is rebuilt)."""
        lines = code_blocks(section(cls.readme, 'Install'))[0][1].splitlines()
        line = lines[0]
        assert '--prefix=/usr --sysconfdir=/etc' in line, line
        t = cls.tmp
        cls.line = line.replace(
            '--prefix=/usr --sysconfdir=/etc',
            '--prefix=%s/usr --sysconfdir=%s/etc --runstatedir=%s/run '
            '--with-systemdsystemunitdir=%s/usr/lib/systemd/system' % (t, t, t, t))
        tree = os.path.join(t, 'tree')
        src = BUILD if os.path.realpath(BUILD) == os.path.realpath(SRC) else SRC
        shutil.copytree(src, tree, symlinks=True, copy_function=copy_regular,
                        ignore=shutil.ignore_patterns('.git', '*.log', '*.trs', '*.tmp',
                                                      'superserver-*', '*.ctl'))
        for root, dirs, files in os.walk(tree):  # a dist tree is read-only
            for name in dirs + files + ['.']:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chmod(path, os.stat(path).st_mode | 0o200)
        r = subprocess.run(['sh', '-c', cls.line], cwd=tree, env=build_env(),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=900)
        if r.returncode != 0:
            raise AssertionError('%s\nfailed (%d):\n%s%s' % (cls.line, r.returncode,
                                                           r.stdout[-3000:], r.stderr[-3000:]))
        cls.install_output = r.stdout
        cls.prefix = os.path.join(t, 'usr')
        cls.conf = os.path.join(t, 'etc', 'superserver', 'superserver.conf')
        cls.ctl = os.path.join(cls.prefix, 'sbin', 'superserverctl')
        cls.handlers = os.path.join(cls.prefix, 'libexec', 'superserver')

    @classmethod
    def start(cls):
        """Move the sample's ports to free ones, then start the daemon with
        the installed unit's ExecStart."""
        text = read(cls.conf)
        cls.sample_text = text
        ports = sorted(set(int(p) for p in re.findall(r':(\d{4})"', text)))
        others = [p for p in ports if p != 7007]
        while True:
            free = [sslib.free_port_dual()] + sslib.free_ports(len(others))  # echo: ::1 too
            if len(set(free)) == len(free):
                break
        cls.ports = dict(zip([7007] + others, free))
        moved = re.sub(r':(\d{4})"', lambda m: ':%d"' % cls.ports[int(m.group(1))], text)
        with open(cls.conf, 'w') as f:
            f.write(moved)
        unit = read(os.path.join(cls.prefix, 'lib', 'systemd', 'system', 'superserverd.service'))
        cls.unit = dict(re.findall(r'^(Exec\w+)=(.*)$', unit, re.M))
        argv = shlex.split(cls.unit['ExecStart'])
        assert argv == [os.path.join(cls.prefix, 'sbin', 'superserverd'), '-f', '-c',
                        cls.conf], argv
        cls.d = d = sslib.Daemon(services=[])
        d.program, d.config_path = argv[0], argv[3]  # the installed config, not the harness's
        d.start()

    def port(self, documented):
        return self.ports[documented]

    def sh(self, command, timeout=20):
        """Run a documented shell command, its sample ports moved."""
        command = re.sub(r'\b(7007|7009|7013|7019|7037|8080|9105)\b',
                         lambda m: str(self.port(int(m.group(1)))), command)
        return subprocess.run(['sh', '-c', command], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)

    # ------------------------------------------------------------ install

    def test_files_the_install_paragraph_lists(self):
        para = section(self.readme, 'Install')
        self.assertIn('`superserverd` and `superserverctl` in `$(sbindir)`', para)
        for prog in ('superserverd', 'superserverctl'):
            self.assertTrue(os.access(os.path.join(self.prefix, 'sbin', prog), os.X_OK), prog)
        names = re.search(r'handlers \(([^)]*)\) in\s+`\$\(libexecdir\)/superserver/`',
                          para, re.S).group(1)
        handlers = [h.strip() for h in names.replace('\n', ' ').split(',')]
        self.assertIn('metrics-http', handlers)
        self.assertEqual(sorted(handlers), sorted(os.listdir(self.handlers)))
        pages = re.findall(r'`([\w.]+)\((\d)\)`', para[:para.index('systemd unit')])
        self.assertEqual(len(pages), 3, pages)
        for name, sec in pages:
            self.assertTrue(os.path.exists(os.path.join(
                self.prefix, 'share', 'man', 'man' + sec, '%s.%s' % (name, sec))), name)
        self.assertTrue(os.path.exists(os.path.join(
            self.prefix, 'lib', 'systemd', 'system', 'superserverd.service')))
        # The group the samples name, made by make install as root.
        self.assertIn('`groupadd --system %s`' % GROUP, para)
        self.assertTrue(self.group_exists(), self.install_output[-2000:])
        self.assertRegex(self.sample_text, r'(?m)^control_group = "%s";$' % GROUP)

    # ------------------------------------------------------------ services

    def test_every_quick_start_service_answers_on_its_port(self):
        para = re.search(r'The sample services listen on.*?\n\n',
                         section(self.readme, 'Quick start'), re.S).group(0)
        said = {}
        for m in re.finditer(r'(echo|discard|daytime|chargen|time|HTTP hello|Prometheus '
                             r'metrics)\W+(?:on\W+)?(?:127\.0\.0\.1:)?(\d{4})',
                             para.replace('\n', ' ')):
            said.setdefault(m.group(1), int(m.group(2)))
        names = {'HTTP hello': 'hello-http', 'Prometheus metrics': 'metrics'}
        self.assertEqual(len(said), 7, said)
        for what, port in said.items():
            name = names.get(what, what)
            # README and the sample agree on the port ...
            self.assertRegex(self.sample_text, r'name = "%s";\s+listen = \[?"127\.0\.0\.1:%d"'
                             % (re.escape(name), port))
        # ... and each answers as its RFC says.
        p = self.port
        self.assertEqual(sslib.request(p(7007), b'hi\n'), b'hi\n')
        if sslib.ipv6_loopback_ok():
            self.assertEqual(sslib.request(p(7007), b'six\n', host='::1'), b'six\n')
        self.assertEqual(sslib.request(p(7009), b'gone\n'), b'')
        self.assertRegex(sslib.request(p(7013)), rb'^\w+day, \w+ \d+, \d{4} [\d:]+-UTC\r\n$')
        with sslib.connect(p(7019)) as s:
            got, more = b'', b'x'
            while len(got) < 74 and more:
                more = s.recv(4096)
                got += more
        self.assertTrue(got[:72].decode('ascii').isprintable(), got)
        self.assertEqual(len(sslib.request(p(7037))), 4)
        self.assertIn(b'hello from superserver', sslib.request(p(8080), b'GET / HTTP/1.0\r\n\r\n'))

    def test_commands_from_another_terminal(self):
        if not shutil.which('nc') or not shutil.which('curl'):
            self.skipTest('needs nc and curl (apt-get install netcat-openbsd curl)')
        block = code_blocks(section(self.readme, 'Quick start'))[1][1]
        commands = [l for l in block.splitlines() if l.strip()]
        self.assertEqual(len(commands), 5, commands)
        echo, daytime, hello, metrics, ctl = commands
        self.assertEqual(self.sh(echo).stdout, b'hi\n')
        self.assertRegex(self.sh(daytime).stdout, rb'\d{4}')
        self.assertEqual(self.sh(hello).stdout, b'hello from superserver\n')
        self.assertIn(b'superserver_build_info', self.sh(metrics).stdout)
        self.assertIn('superserverctl', ctl)  # run installed: test_superserverctl_*

    def test_metrics_url_answers_200_as_nobody_in_the_group(self):
        if not shutil.which('curl'):
            self.skipTest('needs curl')
        url = re.search(r'`curl (http://127\.0\.0\.1:9105/metrics)`',
                        section(self.readme, 'Looking at a running daemon')).group(1)
        r = self.sh('curl -s -o /dev/stderr -w "%%{http_code}" %s' % url)
        self.assertEqual(r.stdout, b'200', r.stderr[-500:] + self.d.log_text().encode())
        self.assertIn(b'superserver_connections_accepted_total{service="echo"}', r.stderr)
        # Allowed by its group: the socket is root's, 0660, in the samples' control_group,
        # and the sample runs the handler as nobody in that group.
        st = os.stat(os.path.join(self.tmp, 'run', 'superserverd.ctl'))
        self.assertEqual((st.st_mode & 0o777, st.st_uid, st.st_gid),
                         (0o660, 0, grp.getgrnam(GROUP).gr_gid))
        self.assertRegex(self.sample_text, r'(?m)^    user = "nobody";$')
        self.assertRegex(self.sample_text, r'name = "metrics";[^}]*\n        group = "%s";'
                         % GROUP)

    # ------------------------------------------------------------ control socket

    def test_superserverctl_commands_on_the_default_socket(self):
        block = code_blocks(section(self.readme, 'Looking at a running daemon'))[0][1]
        commands = [l.split('#')[0].split() for l in block.splitlines() if l.strip()]
        self.assertGreaterEqual(len(commands), 5, block)
        # The operator's commands' words, as a reader fills them in (in the
        # README's order: pause, drain, resume; bans, ban, unban).
        fill = {'SERVICE': 'echo', 'SERVICE|all': 'all', 'ADDRESS': '192.0.2.7',
                'SECONDS': '60'}
        for words in commands:
            self.assertEqual(words[0], 'superserverctl')
            args = [fill.get(a, a) for a in words[1:] if a != '[SERVICE]']
            r = run([self.ctl] + args, timeout=40)
            self.assertEqual(r.returncode, 0, '%s: %s' % (words, r.stderr))
            if args == ['status']:
                for name in ('echo', 'discard', 'daytime', 'chargen', 'time', 'hello-http',
                             'metrics'):
                    self.assertRegex(r.stdout, r'(?m)^service=%s mode=nowait ' % name)
        self.assertEqual(os.path.join(self.tmp, 'run', 'superserverd.ctl'),
                         self.d.events('control')[0]['path'])

    def test_unit_exec_reload(self):
        self.assertEqual(self.unit['ExecReload'].split()[1:], ['reload'])
        r = run([self.ctl] + self.unit['ExecReload'].split()[1:], timeout=40)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'^reload ok services=7 ')

    # ------------------------------------------------------------ superserverd(8)

    def test_man_page_examples_print_what_the_daemon_prints(self):
        block = next(b for b in man_examples('superserverd.8')
                     if b and b[0].startswith('# superserverd -t -c '))
        check = block.index('configuration OK')
        listed = [self.relocate(l) for l in block[1:check + 1]]
        argv = shlex.split(self.relocate(block[0][2:]))
        r = run([os.path.join(self.prefix, 'sbin', argv[0])] + argv[1:])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), listed)
        started = [self.relocate(l) for l in block[check + 2:]]
        log = [l for l in self.d.log_lines() if not l.startswith('event=start') and
               not l.startswith('event=exit')][:len(started)]
        self.assertEqual([re.sub(r'pid=\d+', 'pid=N', l) for l in log],
                         [re.sub(r'pid=\d+', 'pid=N', l) for l in started])

    def relocate(self, line):
        """A line of the man page as it reads for this relocated install."""
        line = line.replace('/etc/superserver/', os.path.join(self.tmp, 'etc', 'superserver/'))
        line = line.replace('/usr/', self.prefix + '/').replace('/run/', self.tmp + '/run/')
        return re.sub(r'(127\.0\.0\.1|\]):(\d{4})\b',
                      lambda m: '%s:%d' % (m.group(1), self.port(int(m.group(2)))), line)


class TlsRecipe(sslib.FilesTest):
    """README's and superserver.conf(5)'s TLS recipe, from their text."""

    def setUp(self):
        super().setUp()
        if not shutil.which('stunnel4') or not shutil.which('openssl'):
            self.skipTest('needs stunnel4 and openssl (apt-get install stunnel4 openssl)')
        self.readme = read(os.path.join(SRC, 'README.md'))

    def test_recipe_as_written(self):
        blocks = code_blocks(section(self.readme, 'TLS'))
        stunnel = next(b for _, b in blocks if b.startswith('# /etc/superserver/echo-tls.stunnel'))
        service = next(b for lang, b in blocks if lang == 'yaml')
        man = next(b for b in man_examples('superserver.conf.5')
                   if b and b[0].startswith('# openssl req'))
        req = ' '.join(l.rstrip('\\').strip() for l in man if not l.startswith('$'))[2:]
        check = next(l for l in man if l.startswith('$ openssl s_client'))[2:]
        self.assertIn(check, self.readme.replace('\n', ' '))  # README says the same
        port = sslib.free_port()
        here = self.tmp
        def local(text):
            return (text.replace('/etc/ssl/superserver/', here + '/')
                    .replace('/etc/superserver/', here + '/')
                    .replace('/usr/libexec/superserver/echo', sslib.service_exec('echo'))
                    .replace('*:7443', '127.0.0.1:%d' % port)
                    .replace('127.0.0.1:7443', '127.0.0.1:%d' % port))
        self.write('echo-tls.stunnel', local(stunnel))
        r = subprocess.run(['sh', '-c', req], cwd=here, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = self.daemon(text=local(service), syntax='yaml')
        # The check as the text says: a line typed comes back, end of input ends it.
        p = subprocess.Popen(shlex.split(local(check)), cwd=here, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(sslib.reap, p)
        p.stdin.write(b'hello\n')
        p.stdin.flush()
        self.assertEqual(sslib.read_line(p.stdout, sslib.WAIT_TIMEOUT * 2), b'hello\n',
                         d.log_text())
        p.stdin.close()
        self.assertEqual(p.wait(sslib.WAIT_TIMEOUT), 0)
        self.assertIn(b'Verification: OK', p.stderr.read())


if __name__ == '__main__':
    sslib.main()
