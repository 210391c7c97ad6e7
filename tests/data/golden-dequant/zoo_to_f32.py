# Rewrites a GGUF with every F16 / Q8_0 tensor as F32 (metadata copied byte for byte).
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
o = 0
def rd(fmt):
    global o
    v = struct.unpack_from('<' + fmt, b, o); o += struct.calcsize('<' + fmt); return v
def skip_str():
    global o
    n, = rd('Q'); o += n
SZ = {0:1,1:1,2:2,3:2,4:4,5:4,6:4,7:1,10:8,11:8,12:8}
def skip_val(t):
    global o
    if t == 8: skip_str()
    elif t == 9:
        at, n = rd('IQ')
        for _ in range(n): skip_val(at)
    else: o += SZ[t]
magic = b[:4]; o = 4
ver, nt, nk = rd('IQQ')
kv0 = o
align = 32
for _ in range(nk):
    kstart = o
    n, = rd('Q'); key = b[o:o+n].decode(); o += n
    t, = rd('I')
    if key == 'general.alignment': align, = struct.unpack_from('<I', b, o)
    skip_val(t)
kv = b[kv0:o]
tensors = []
for _ in range(nt):
    n, = rd('Q'); name = b[o:o+n]; o += n
    nd, = rd('I'); ne = rd('Q' * nd); t, off = rd('IQ')
    tensors.append((name, ne, t, off))
data0 = (o + align - 1) // align * align
def count(ne):
    c = 1
    for x in ne: c *= x
    return c
def to_f32(t, raw, n):
    if t == 0: return raw
    if t == 1: return struct.pack('<%df' % n, *struct.unpack('<%de' % n, raw))
    if t == 8:
        out = []
        for bo in range(0, len(raw), 34):
            d, = struct.unpack_from('<e', raw, bo)
            qs = struct.unpack_from('<32b', raw, bo + 2)
            out.extend(d * q for q in qs)
        return struct.pack('<%df' % n, *out)
    raise SystemExit('type %d' % t)
BS = {0:(1,4),1:(1,2),8:(32,34)}
blobs = []
for name, ne, t, off in tensors:
    n = count(ne); bs, ts = BS[t]
    raw = b[data0 + off: data0 + off + n // bs * ts]
    blobs.append(to_f32(t, raw, n))
out = bytearray(magic + struct.pack('<IQQ', ver, nt, nk) + kv)
off = 0
offs = []
for bl in blobs:
    offs.append(off); off = (off + len(bl) + align - 1) // align * align
for (name, ne, t, _), of in zip(tensors, offs):
    out += struct.pack('<Q', len(name)) + name + struct.pack('<I', len(ne)) + struct.pack('<' + 'Q' * len(ne), *ne) + struct.pack('<IQ', 0, of)
out += b'\0' * ((-len(out)) % align)
for bl, of in zip(blobs, offs):
    out += bl; out += b'\0' * ((-len(out)) % align)
open(dst, 'wb').write(out)
