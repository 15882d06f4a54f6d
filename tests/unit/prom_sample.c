/*
 * Prints sample metrics through prom_out for tests/integration/test_prom_parse.py,
 * which parses them with the Prometheus client library: one sample per byte
 * 0x01..0xff as a label value and in HELP text, UTF-8 and broken UTF-8,
 * quotes, backslashes, newlines, and the special float values.
 */
#include <stdio.h>
#include <stdlib.h>

#include "prom_out.h"

int main(void)
{
    struct outbuf ob;
    char value[2] = "", byte[32], help[64];

    outbuf_init(&ob, NULL, 1 << 20);
    prom_header(&ob, "test_byte", "gauge", "One sample per byte \\ \n as a label value.");
    for (int b = 1; b < 256; b++) {
        const struct prom_label labels[] = {{"byte", byte}, {"value", value}};
        value[0] = (char)b;
        snprintf(byte, sizeof(byte), "%d", b);
        prom_sample_u64(&ob, "test_byte", labels, 2, (unsigned long long)b);
    }
    for (int b = 1; b < 256; b++) {
        snprintf(help, sizeof(help), "byte %d: %c.", b, b);
        snprintf(byte, sizeof(byte), "test_help_%d", b);
        prom_header(&ob, byte, "counter", help);
        prom_sample_u64(&ob, byte, NULL, 0, (unsigned long long)b);
    }
    {
        const struct prom_label nasty[] = {
            {"service", "a\"b\\c\nd}e,f=g"},
            {"utf8", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"},
            {"broken", "x\xc0\xafy\xed\xa0\x80z\xf4\x90\x80\x80"},
            {"empty", ""},
        };
        prom_header(&ob, "superserver_connections_refused_total", "counter",
                    "Connections refused before a handler ran.");
        prom_sample_u64(&ob, "superserver_connections_refused_total", nasty, 4,
                        18446744073709551615ULL);
        prom_header(&ob, "test_float", "gauge", "Floats.");
        prom_sample_double(&ob, "test_float", (const struct prom_label[]){{"k", "half"}}, 1, 0.5);
        prom_sample_double(&ob, "test_float", (const struct prom_label[]){{"k", "inf"}}, 1,
                           1.0 / 0.0);
        prom_sample_double(&ob, "test_float", (const struct prom_label[]){{"k", "ninf"}}, 1,
                           -1.0 / 0.0);
        prom_sample_double(&ob, "test_float", (const struct prom_label[]){{"k", "nan"}}, 1,
                           0.0 / 0.0);
        prom_sample_double(&ob, "test_float", (const struct prom_label[]){{"k", "start"}}, 1,
                           1764444444.125);
    }
    if (ob.failed) {
        fputs("prom_sample: the writer failed\n", stderr);
        return 1;
    }
    fwrite(ob.data, 1, ob.len, stdout);
    outbuf_free(&ob);
    return 0;
}
