# Independent WireGuard handshake computation, straight from the whitepaper:
# the generator of the known-answer bytes in test_noise.c. Not run by make
# check; to regenerate: apt-get install python3-cryptography; python3 wg_kat.py
import hashlib, hmac, struct
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

def H(*parts):
    h = hashlib.blake2s()
    for p in parts: h.update(p)
    return h.digest()
def MAC(key, data): return hashlib.blake2s(data, digest_size=16, key=key).digest()
def HMAC(key, data): return hmac.new(key, data, hashlib.blake2s).digest()
def KDF(n, key, data):
    t0 = HMAC(key, data); out = []; prev = b''
    for i in range(1, n+1):
        prev = HMAC(t0, prev + bytes([i])); out.append(prev)
    return out
def pub(priv): return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes_raw()
def DH(priv, pubk): return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(pubk))
def AEAD(key, counter, pt, ad): return ChaCha20Poly1305(key).encrypt(b'\0'*4 + struct.pack('<Q', counter), pt, ad)

S_i = bytes(range(0x00, 0x20)); S_r = bytes(range(0x20, 0x40))
E_i = bytes(range(0x40, 0x60)); E_r = bytes(range(0x60, 0x80))
Q = bytes(range(0x80, 0xa0))
sec, nsec = 1700000000, 123456789
nsec &= ~0xffffff
ts = struct.pack('>QI', 0x400000000000000a + sec, nsec)
I_i, I_r = 0x11223344, 0x55667788
Sp_i, Sp_r = pub(S_i), pub(S_r)

C = H(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
Hh = H(C, b"WireGuard v1 zx2c4 Jason@zx2c4.com")
print("initial_ck", C.hex()); print("initial_h", Hh.hex())
Hh = H(Hh, Sp_r)
Ep_i = pub(E_i)
C, = KDF(1, C, Ep_i)
Hh = H(Hh, Ep_i)
C, k = KDF(2, C, DH(E_i, Sp_r))
enc_static = AEAD(k, 0, Sp_i, Hh); Hh = H(Hh, enc_static)
C, k = KDF(2, C, DH(S_i, Sp_r))
enc_ts = AEAD(k, 0, ts, Hh); Hh = H(Hh, enc_ts)
msg = struct.pack('<I', 1) + struct.pack('<I', I_i) + Ep_i + enc_static + enc_ts
msg += MAC(H(b"mac1----", Sp_r), msg) + b'\0'*16
assert len(msg) == 148
print("initiation", msg.hex())

Ep_r = pub(E_r)
C, = KDF(1, C, Ep_r); Hh = H(Hh, Ep_r)
C, = KDF(1, C, DH(E_r, Ep_i))
C, = KDF(1, C, DH(E_r, Sp_i))
C, tau, k = KDF(3, C, Q); Hh = H(Hh, tau)
enc_nothing = AEAD(k, 0, b'', Hh); Hh = H(Hh, enc_nothing)
resp = struct.pack('<I', 2) + struct.pack('<I', I_r) + struct.pack('<I', I_i) + Ep_r + enc_nothing
resp += MAC(H(b"mac1----", Sp_i), resp) + b'\0'*16
assert len(resp) == 92
print("response", resp.hex())
T_send_i, T_recv_i = KDF(2, C, b'')
print("i_send", T_send_i.hex()); print("i_recv", T_recv_i.hex())
payload = b"meshgate data path test vector!!"  # 32 bytes, a padding multiple
ct = AEAD(T_send_i, 7, payload, b'')
data = struct.pack('<I', 4) + struct.pack('<I', I_r) + struct.pack('<Q', 7) + ct
print("data", data.hex())
cookie = bytes(range(0xc0, 0xd0))
m2 = MAC(cookie, msg[:132])
print("mac2_with_cookie", m2.hex())
