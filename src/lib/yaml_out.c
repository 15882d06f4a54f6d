/* Writing YAML scalars and comments (see yaml_out.h). */
#include "yaml_out.h"

/*
 * The code point of the UTF-8 sequence at P when YAML cannot carry it raw
 * (C1 controls, U+FFFE, U+FFFF: libyaml refuses them) or would fold it as a
 * line break (NEL, U+2028, U+2029); else 0.  *len is the sequence's length.
 */
static unsigned needs_escape(const unsigned char *p, size_t *len)
{
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        return *len = 2, p[1];
    if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
        return *len = 3, 0x2000u + (p[2] - 0x80u);
    if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
        return *len = 3, 0xffc0u + (p[2] - 0x80u);
    return 0;
}

void yaml_scalar(FILE *out, const char *s)
{
    size_t len;
    unsigned cp;

    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if ((cp = needs_escape(p, &len)) != 0)
            fprintf(out, "\\u%04x", cp), p += len - 1;
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

void yaml_comment(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ? '?' : *s, out);
}
