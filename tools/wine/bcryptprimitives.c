/* For running Murmur's Windows build under Wine 8 only; never shipped.
 *
 * Rust's standard library (1.78 and later) takes its random seeds from ProcessPrng in
 * bcryptprimitives.dll, which Windows 10 and 11 have and Wine 8 does not: without it every Rust
 * program stops at start with "c0000135" (a DLL not found). This stand-in exports that one
 * function on top of RtlGenRandom (SystemFunction036 in advapi32), which Wine has.
 *
 * Built by tools/wine/run with MinGW-w64:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
