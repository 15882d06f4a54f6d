/* Children that are not handlers (see aux_child.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aux_child.h"
#include "carry.h"
#include "context.h"
#include "log.h"

void aux_child_add(struct server *s, struct aux_child *a)
{
    a->prev = NULL;
    a->next = s->aux;
    if (a->next)
        a->next->prev = a;
    s->aux = a;
}

void aux_child_remove(struct server *s, struct aux_child *a)
{
    if (a->prev)
        a->prev->next = a->next;
    else if (s->aux == a)
        s->aux = a->next;
    if (a->next)
        a->next->prev = a->prev;
    a->prev = a->next = NULL;
}

bool aux_child_reaped(struct server *s, pid_t pid, int status)
{
    struct aux_child *a = s->aux;

    while (a && a->pid != pid)
        a = a->next;
    if (!a)
        return false;
    bool owned = a->owned; /* otherwise on_exit may free A */

    aux_child_remove(s, a);
    log_debug("event=reap pid=%d child=%s", (int)pid, a->what);
    if (a->on_exit)
        a->on_exit(s, a, status);
    if (owned)
        free(a);
    return true;
}

/* A child the old image started: reaped quietly. */
static void aux_child_restore(struct carry *c, void *server)
{
    struct server *s = server;
    struct aux_child *a = calloc(1, sizeof(*a));

    if (!a) {
        carry_fail(c, "out of memory");
        return;
    }
    carry_int(c, "pid", &a->pid);
    carry_str(c, "what", a->what, sizeof(a->what));
    a->owned = true;
    if (c->failed || a->pid <= 1) {
        free(a);
        return;
    }
    aux_child_add(s, a);
}

void aux_child_save(struct carry *c, pid_t pid, const char *what)
{
    char w[AUX_WHAT_MAX];

    snprintf(w, sizeof(w), "%s", what);
    carry_item(c);
    carry_int(c, "pid", &pid);
    carry_str(c, "what", w, sizeof(w));
    carry_leave(c);
}

void aux_child_restore_all(struct carry *c, struct server *s)
{
    carry_read_list(c, "aux_children", aux_child_restore, s);
}

void aux_child_release(struct server *s)
{
    while (s->aux) {
        struct aux_child *a = s->aux;
        aux_child_remove(s, a);
        if (a->owned)
            free(a);
    }
}
