/*
 * System calls that never touch errno.  A handler's child runs in the
 * daemon's memory, on the daemon's thread-local storage, while the daemon
 * itself goes on (spawn.c): a libc wrapper that sets errno there would
 * change the daemon's errno under its feet.  These return the kernel's
 * result: the value, or -errno.
 *
 * Where no inline form is known, RAW_SYSCALL_INLINE is 0 and the libc
 * wrapper is used; spawn.c then keeps the daemon suspended until the exec
 * (CLONE_VFORK), so nothing runs beside the child.
 */
#ifndef SUPERSERVER_RAW_SYSCALL_H
#define SUPERSERVER_RAW_SYSCALL_H

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define RAW_SYSCALL_INLINE 1
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
#define RAW_SYSCALL_INLINE 1
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory", "cc");
    return x0;
}
#else
#define RAW_SYSCALL_INLINE 0
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret = syscall(n, a, b, c, d, e, f);
    return ret == -1 ? -errno : ret;
}
#endif

#define RAW_SYSCALL(n, a, b, c, d)                                                                 \
    raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

#endif
