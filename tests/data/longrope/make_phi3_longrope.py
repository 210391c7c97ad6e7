# ../shared/models/synth-phi3-q8_0.gguf with LongRoPE added as Phi-3.5's conversion writes it:
# phi3.rope.scaling.type "longrope", original_context_length 16, attn_factor 1.2, and
# rope_factors_long.weight (1 + i/4) / rope_factors_short.weight (1 + i/16), 16 F32 values each
# (head_dim 32). tests/engine/longrope_test.cpp builds the same file with test::edit_gguf.
#   python3 make_phi3_longrope.py ../../../../shared/models/synth-phi3-q8_0.gguf OUT.gguf
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
o = 0
def rd(fmt):
    global o
    v = struct.unpack_from('<' + fmt, b, o); o += struct.calcsize('<' + fmt); return v
SZ = {0:1,1:1,2:2,3:2,4:4,5:4,6:4,7:1,10:8,11:8,12:8}
def skip_val(t):
    global o
    if t == 8:
        n, = rd('Q'); o += n
    elif t == 9:
        at, n = rd('IQ')
        for _ in range(n): skip_val(at)
    else: o += SZ[t]
o = 4
ver, nt, nk = rd('IQQ')
kv0 = o
align = 32
for _ in range(nk):
    n, = rd('Q'); key = b[o:o+n].decode(); o += n
    t, = rd('I')
    if key == 'general.alignment': align, = struct.unpack_from('<I', b, o)
    skip_val(t)
kv = b[kv0:o]
def s(x): x = x.encode(); return struct.pack('<Q', len(x)) + x
kv += s('phi3.rope.scaling.type') + struct.pack('<I', 8) + s('longrope')
kv += s('phi3.rope.scaling.original_context_length') + struct.pack('<II', 4, 16)
kv += s('phi3.rope.scaling.attn_factor') + struct.pack('<I', 6) + struct.pack('<f', 1.2)
infos = []
for _ in range(nt):
    n, = rd('Q'); name = b[o:o+n]; o += n
    nd, = rd('I'); ne = rd('Q' * nd); t, off = rd('IQ')
    infos.append((name, ne, t, off))
data0 = (o + align - 1) // align * align
data = b[data0:]
end = len(data)
extra = [(b'rope_factors_long.weight', [1 + i / 4 for i in range(16)]),
         (b'rope_factors_short.weight', [1 + i / 16 for i in range(16)])]
out = bytearray(b[:4] + struct.pack('<IQQ', ver, nt + len(extra), nk + 3) + kv)
for name, ne, t, off in infos:
    out += struct.pack('<Q', len(name)) + name + struct.pack('<I', len(ne)) + struct.pack('<' + 'Q' * len(ne), *ne) + struct.pack('<IQ', t, off)
pos = (end + align - 1) // align * align
blobs = []
for name, vals in extra:
    out += struct.pack('<Q', len(name)) + name + struct.pack('<IQ', 1, len(vals)) + struct.pack('<IQ', 0, pos)
    blob = struct.pack('<%df' % len(vals), *vals); blobs.append((pos, blob))
    pos = (pos + len(blob) + align - 1) // align * align
out += b'\0' * ((-len(out)) % align)
body = bytearray(data)
for p, blob in blobs:
    body += b'\0' * (p - len(body)); body += blob
out += body
open(dst, 'wb').write(out)
