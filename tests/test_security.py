#!/usr/bin/env python3
"""test_security.py ICTSURVEY - signed and sealed bundles from the command line, as the central
office and the surveyors use them: keys init and its files' modes, key files refused when
others may read them or when mixed up, sealed exports that show no answer, merges with no key,
the wrong key and the right one, a replayed old bundle, changed bytes, --require-sealed (and
that the database remembers it), a store whose signing key changed or that stopped signing,
a store made before keys existed, and a central database made before signatures existed.
Real stores, real bundles, real SQLite files."""
import gzip
import hashlib
import os
import re
import shutil
import sqlite3
import stat
import zlib

from support import (check, content, export, fill, finish, integrity, new_store, path, query,
                     run, staff)


def fingerprint(pub_file):
    key = re.search(r"^ictsurvey-central-public-key: x25519 ([0-9a-f]{64})$",
                    open(pub_file, encoding="utf-8").read(), re.M).group(1)
    d = hashlib.sha256(bytes.fromhex(key)).hexdigest()[:16]
    return "-".join(d[i:i + 4] for i in range(0, 16, 4))


def office_fingerprint(pub_file):
    """The office fingerprint: that of the signing key on central.pub's signing line."""
    key = re.search(r"^central-signing-key: ed25519 ([0-9a-f]{64})$",
                    open(pub_file, encoding="utf-8").read(), re.M).group(1)
    d = hashlib.sha256(bytes.fromhex(key)).hexdigest()[:16]
    return "-".join(d[i:i + 4] for i in range(0, 16, 4))


def office_line(fp, lang="en"):
    if lang == "en":
        return "Office fingerprint: %s (read it back to the office over the phone: it must be the same)" % fp
    return "Dấu vân tay của Sở: %s (đọc lại cho Sở qua điện thoại: phải trùng khớp)" % fp


def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def merge(db, *args):
    return run("merge", "--db", db, *args)


# ---- keys init ------------------------------------------------------------------------------
keys = path("keys")
r = run("keys", "init", "--dir", keys)
check(r.returncode == 0, "keys init: " + r.stderr)
pub, key = os.path.join(keys, "central.pub"), os.path.join(keys, "central.key")
check(mode(keys) == 0o700, "the key folder is 0700: %o" % mode(keys))
check(mode(key) == 0o600 and mode(pub) == 0o600, "the key files are 0600")
fp = fingerprint(pub)
check(fp in r.stderr, "keys init shows the fingerprint: " + r.stderr)
check(re.search(r"^ictsurvey-central-secret-key: x25519 [0-9a-f]{64}$",
                open(key, encoding="utf-8").read(), re.M) is not None, "central.key holds the secret key")
before = open(key, "rb").read(), open(pub, "rb").read()
r = run("keys", "init", "--dir", keys)
check(r.returncode == 1 and "already holds a key pair; it is not replaced" in r.stderr,
      "a second keys init refuses: " + r.stderr)
check((open(key, "rb").read(), open(pub, "rb").read()) == before, "the pair is unchanged")
r = run("keys", "--dir", keys)
check(r.returncode == 2, "keys without init is a usage error")
other_keys = path("other-keys")
check(run("keys", "init", "--dir", other_keys).returncode == 0, "a second office's pair")
other_key = os.path.join(other_keys, "central.key")
other_fp = fingerprint(os.path.join(other_keys, "central.pub"))
r = run("keys", "--help")
check(r.returncode == 0 and "central.pub" in r.stdout, "keys --help")

# ---- the office's signing key --------------------------------------------------------------------
pub_text, key_text = open(pub, encoding="utf-8").read(), open(key, encoding="utf-8").read()
check(re.search(r"^ictsurvey-central-public-key: x25519 [0-9a-f]{64}$", pub_text, re.M) is not None
      and re.search(r"^central-signing-key: ed25519 [0-9a-f]{64}$", pub_text, re.M) is not None,
      "central.pub has the sealing line and the signing line: " + pub_text)
check(re.search(r"^central-signing-secret-key: ed25519 [0-9a-f]{64}$", key_text, re.M) is not None,
      "central.key has the secret signing line: " + key_text)
check("central-signing-secret-key" not in pub_text and "central-signing-key:" not in key_text,
      "each file holds its own halves only")
office_fp = office_fingerprint(pub)
check(office_fp != fp, "the office fingerprint is the signing key's, not the sealing key's")
r = run("keys", "init", "--dir", path("keys-fp"))
check(r.returncode == 0 and office_line(office_fingerprint(path("keys-fp/central.pub"))) in r.stderr
      and "ictsurvey kit --key %s/central.key" % path("keys-fp") in r.stderr,
      "keys init prints the office fingerprint and names kit --key: " + r.stderr)
r = run("keys", "init", "--dir", path("keys-vi"), lang=None)
check(r.returncode == 0 and office_line(office_fingerprint(path("keys-vi/central.pub")), "vi") in r.stderr,
      "in Vietnamese by default: " + r.stderr)
r = run("keys", "--help")
check("ictsurvey kit --key central.key" in r.stdout and "older version" in r.stdout, "keys --help names kits: " + r.stdout)
r = run("keys", "--help", lang="vi")
check("ictsurvey kit --key central.key" in r.stdout and "Dấu\nvân tay của Sở" in r.stdout, "keys --help in Vietnamese")

# a folder made by an older version: the sealing line alone, in the old words; central.pub went
# through Notepad (a byte-order mark, CR LF) and is 0644
seal_hex = re.search(r"^ictsurvey-central-public-key: x25519 ([0-9a-f]{64})$", pub_text, re.M).group(1)
seal_secret_hex = re.search(r"^ictsurvey-central-secret-key: x25519 ([0-9a-f]{64})$", key_text, re.M).group(1)
old_pub = ("\ufeff# ictsurvey: the central office's public key (khóa công khai của văn phòng trung tâm).\r\n"
           "# Give it to every collector: ictsurvey collect init --central-key central.pub\r\n"
           "# Fingerprint: %s\r\nictsurvey-central-public-key: x25519 %s\r\n" % (fp, seal_hex)).encode()
old_key = ("# ictsurvey: the central office's SECRET key (khóa BÍ MẬT của văn phòng trung tâm).\n"
           "# It opens every sealed bundle: keep it in the office, never send or copy it.\n"
           "# Used by: ictsurvey merge --key central.key. Public key fingerprint: %s\n"
           "ictsurvey-central-secret-key: x25519 %s" % (fp, seal_secret_hex)).encode()  # no final newline


def old_folder(name):
    d = path(name)
    os.makedirs(d, 0o700)
    for f, data, bits in (("central.pub", old_pub, 0o644), ("central.key", old_key, 0o600)):
        open(os.path.join(d, f), "wb").write(data)
        os.chmod(os.path.join(d, f), bits)
    return d, os.path.join(d, "central.pub"), os.path.join(d, "central.key")


old_keys, old_pub_file, old_key_file = old_folder("old-keys")
old_store = new_store("old-key.store", "Bến Lức", "Võ Văn Năm", extra=("--central-key", old_pub_file))
r = run("collect", "set-key", "--store", old_store, "--central-key", old_pub_file)
check(r.returncode == 0 and fp in r.stderr, "an old central.pub still works for collect init and set-key: " + r.stderr)
r = run("keys", "init", "--dir", old_keys)
new_pub, new_key = open(old_pub_file, "rb").read(), open(old_key_file, "rb").read()
check(r.returncode == 0 and "Added the office's signing key to '%s'" % old_keys in r.stderr
      and "the sealing keys were left as they were" in r.stderr, "keys init upgrades an old folder: " + r.stderr)
check(new_pub.startswith(old_pub) and new_key.startswith(old_key + b"\n"), "every old byte kept (a newline added after the last line)")
check(re.search(rb"\ncentral-signing-key: ed25519 [0-9a-f]{64}\n$", new_pub) is not None
      and re.search(rb"\ncentral-signing-secret-key: ed25519 [0-9a-f]{64}\n$", new_key) is not None,
      "each file gained its signing line: %r %r" % (new_pub[len(old_pub):], new_key[len(old_key):][:60]))
check(mode(old_key_file) == 0o600 and mode(old_pub_file) == 0o644, "the modes kept: central.key 0600")
check(fingerprint(old_pub_file) == fp and office_line(office_fingerprint(old_pub_file)) in r.stderr,
      "the sealing key is the same; the new office fingerprint printed: " + r.stderr)
check(os.listdir(old_keys) == ["central.pub", "central.key"] or sorted(os.listdir(old_keys)) == ["central.key", "central.pub"],
      "no temporary file left: %s" % os.listdir(old_keys))
r = run("collect", "set-key", "--store", old_store, "--central-key", old_pub_file)
check(r.returncode == 0 and fp in r.stderr, "the upgraded central.pub reads as before: " + r.stderr)
r = merge(path("upgraded.db"), "--key", old_key_file, "--require-sealed")
check(r.returncode == 0, "the upgraded central.key reads as before: " + r.stderr)
r = run("keys", "init", "--dir", old_keys)
check(r.returncode == 1 and "already holds a key pair; it is not replaced" in r.stderr
      and (open(old_pub_file, "rb").read(), open(old_key_file, "rb").read()) == (new_pub, new_key),
      "a second run refuses and changes nothing: " + r.stderr)

# a run stopped between its two writes: central.key has the signing line, central.pub not yet
open(old_pub_file, "wb").write(old_pub)
r = run("keys", "init", "--dir", old_keys)
check(r.returncode == 0 and "Added the office's signing key" in r.stderr, "keys init finishes a stopped run: " + r.stderr)
check(open(old_key_file, "rb").read() == new_key and open(old_pub_file, "rb").read() == new_pub,
      "central.key unchanged; central.pub gets the line derived from it")

# refused: central.pub signs but central.key does not, not one pair, one file alone
half, half_pub, half_key = old_folder("half-keys")
open(half_pub, "wb").write(new_pub)
r = run("keys", "init", "--dir", half)
check(r.returncode == 1 and "central.pub has a signing key but central.key has none" in r.stderr
      and open(half_key, "rb").read() == old_key and open(half_pub, "rb").read() == new_pub,
      "central.pub signs, central.key does not: refused, unchanged: " + r.stderr)
mixed, mixed_pub, mixed_key = old_folder("mixed-keys")
open(mixed_pub, "wb").write(old_pub.replace(seal_hex.encode(), re.search(
    r"x25519 ([0-9a-f]{64})", open(os.path.join(other_keys, "central.pub")).read()).group(1).encode()))
before_mixed = open(mixed_pub, "rb").read()
r = run("keys", "init", "--dir", mixed)
check(r.returncode == 1 and "central.pub and central.key are not one key pair" in r.stderr
      and open(mixed_key, "rb").read() == old_key and open(mixed_pub, "rb").read() == before_mixed,
      "files of two pairs: refused, unchanged: " + r.stderr)
alone, alone_pub, alone_key = old_folder("alone-keys")
os.remove(alone_pub)
r = run("keys", "init", "--dir", alone)
check(r.returncode == 1 and "already holds a key pair" in r.stderr and open(alone_key, "rb").read() == old_key
      and not os.path.exists(alone_pub), "central.key alone: refused as before: " + r.stderr)

# damaged or mixed-up signing lines: FILE:LINE:COLUMN
sign_line = re.search(r"^central-signing-key: .*$", pub_text, re.M).group(0)
secret_sign_line = re.search(r"^central-signing-secret-key: .*$", key_text, re.M).group(0)
bad_files = [
    ("twice.pub", pub_text + sign_line + "\n", ":6:1: error: expected at most one line 'central-signing-key: ed25519 HEXKEY'"),
    ("short.pub", pub_text.replace(sign_line, sign_line[:-2]), ":5:30: error: the key must be 64 hex digits"),
    ("not-hex.pub", pub_text.replace(sign_line, sign_line[:-1] + "g"), ":5:30: error: the key must be 64 hex digits"),
    ("x25519.pub", pub_text.replace("central-signing-key: ed25519", "central-signing-key: x25519"),
     ":5:1: error: expected at most one line 'central-signing-key: ed25519 HEXKEY'"),
    ("secret-line.pub", pub_text + secret_sign_line + "\n", ":6:1: error: this is the SECRET key (central.key)"),
    ("twice.key", key_text + secret_sign_line + "\n", ":6:1: error: expected at most one line 'central-signing-secret-key: ed25519 HEXKEY'"),
    ("short.key", key_text.replace(secret_sign_line, secret_sign_line[:-1]), ":5:37: error: the key must be 64 hex digits"),
    ("public-line.key", key_text + sign_line + "\n", ":6:1: error: this is the PUBLIC key (central.pub)"),
]
for name, text_, expected in bad_files:
    f = path(name)
    open(f, "w", encoding="utf-8").write(text_)
    os.chmod(f, 0o600)
    if name.endswith(".pub"):
        r = run("collect", "init", "--store", path("wrong.store"), "--site", "X", "--surveyor", "Y", "--central-key", f)
    else:
        r = merge(path("wrong.db"), "--key", f, "--require-sealed")
    check(r.returncode == 1 and f + expected in r.stderr, "%s: %s" % (name, r.stderr))
    check(not os.path.exists(path("wrong.store")) and not os.path.exists(path("wrong.db")), "%s: nothing made" % name)

# ---- key files refused ------------------------------------------------------------------------
db0 = path("refused.db")
for bits in (0o644, 0o640, 0o604, 0o660):
    os.chmod(key, bits)
    r = merge(db0, "--key", key, "--require-sealed")
    check(r.returncode == 1 and "other users of this machine can read this secret key (mode %04o)" % bits in r.stderr
          and "chmod 600" in r.stderr, "mode %o refused: %s" % (bits, r.stderr))
    check(not os.path.exists(db0), "nothing created with a refused key")
os.chmod(key, 0o600)
r = run("collect", "init", "--store", path("wrong.store"), "--site", "X", "--surveyor", "Y",
        "--central-key", key)
check(r.returncode == 1 and "this is the SECRET key (central.key), which must never leave the central office" in r.stderr,
      "the secret key refused as central.pub: " + r.stderr)
check(not os.path.exists(path("wrong.store")), "no store made")
r = merge(db0, "--key", pub, "--require-sealed")
check(r.returncode == 1 and "this is the PUBLIC key (central.pub); this command needs the secret key" in r.stderr,
      "the public key refused as central.key: " + r.stderr)
bad = path("bad.pub")
open(bad, "w").write("# comment\nictsurvey-central-public-key: x25519 12345\n")
r = run("collect", "init", "--store", path("wrong.store"), "--site", "X", "--surveyor", "Y", "--central-key", bad)
check(r.returncode == 1 and bad + ":2:38: error: the key must be 64 hex digits" in r.stderr,
      "a damaged key file: file:line:column: " + r.stderr)
r = run("collect", "init", "--store", path("wrong.store"), "--site", "X", "--surveyor", "Y",
        "--central-key", path("missing.pub"))
check(r.returncode == 1 and "no such key file" in r.stderr, "a missing key file: " + r.stderr)

# ---- a sealed export ------------------------------------------------------------------------------
sealed_store = new_store("sealed.store", "Cần Đước", "Nguyễn Thị Mai", extra=("--central-key", pub))
ids = fill(sealed_store, "staff", [staff("S-1", full_name="Trần Văn Bình"), staff("S-2", full_name="Lê Thị Hoa")])
r = run("collect", "export", "--store", sealed_store, "-o", path("sealed-1.bundle"))
check(r.returncode == 0 and "sealed to the central office's key (%s)" % fp in r.stderr, "export says sealed: " + r.stderr)
signer_shown = re.search(r"signed with this store's key: ([0-9a-f]{16})…", r.stderr)
b1 = path("sealed-1.bundle")
text = gzip.open(b1, "rt", encoding="utf-8").read()
check(text.startswith("ictsurvey-bundle: 2\n") and "\nsurveyor: \nsite: Cần Đước\n" in text,
      "the readable part: site, no surveyor")
for secret in ("Trần Văn Bình", "S-1", "Nguyễn Thị Mai", "birth_year", ids[0]):
    check(secret not in text, "%r is not readable in the sealed bundle" % secret)
check(re.search(r"^sealed: [0-9a-f]{64} [0-9a-f]{160} [0-9a-f]{48}$", text, re.M) is not None, "the sealed line")
check(re.search(r"^records: 2$", text, re.M) is not None and "\nform: staff " in text, "counts and forms readable")
check(mode(sealed_store) == 0o600, "the store (answers and the signing key) is 0600: %o" % mode(sealed_store))
signing_hex = query(sealed_store, "SELECT value FROM meta WHERE key = 'signing_key'")[0][0]
store_signer = signing_hex[64:]  # libsodium's Ed25519 secret key ends with the public key
check(signer_shown is not None and store_signer.startswith(signer_shown.group(1)),
      "export shows the start of the store's key, as the central office records it")
r = run("collect", "list", "--store", sealed_store)
check(r.returncode == 0 and "S-1" in r.stdout, "the store itself works as before")

# ---- merging it ---------------------------------------------------------------------------------------
db = path("central.db")
r = merge(db, b1)
check(r.returncode == 1 and "is sealed to the central office's key: merge it with the secret key (ictsurvey merge --key DIR/central.key)" in r.stderr,
      "no key: rejected, saying so: " + r.stderr)
check(os.path.exists(os.path.join(db + ".quarantine", "sealed-1.bundle")), "quarantined")
check(mode(db) == 0o600, "a new central database is 0600: %o" % mode(db))
check(query(db, "SELECT count(*) FROM instances")[0][0] == 0, "nothing merged")
r = merge(db, "--key", other_key, b1)
check(r.returncode == 1 and "sealed to another central office key (%s), not to the key given (%s)" % (fp, other_fp) in r.stderr,
      "another office's key: rejected, naming both: " + r.stderr)
check(query(db, "SELECT count(*) FROM instances")[0][0] == 0 and integrity(db), "still nothing merged")
r = merge(db, "--key", key, b1)
check(r.returncode == 0 and "Bundles: 1 merged" in r.stderr and "2 new" in r.stderr, "with the key: merged: " + r.stderr)
check(sorted(query(db, "SELECT person_id, full_name FROM form_staff")) == [("S-1", "Trần Văn Bình"), ("S-2", "Lê Thị Hoa")],
      "the sealed answers arrived")
check(query(db, "SELECT surveyor, sealed, signer FROM bundles") == [("Nguyễn Thị Mai", 1, store_signer)],
      "the bundle's surveyor, seal and signer recorded: %s" % query(db, "SELECT surveyor, sealed, signer FROM bundles"))
check(query(db, "SELECT store_id, signer FROM store_keys") ==
      [(query(sealed_store, "SELECT value FROM meta WHERE key = 'store_id'")[0][0], store_signer)],
      "the store's key is known from now on")

# a replayed bundle, and an older one after a newer: nothing changes
fill(sealed_store, "staff", [staff("S-3")])
b2 = export(sealed_store, "sealed-2.bundle")
check(merge(db, "--key", key, b2).returncode == 0, "the second export merges")
snapshot = content(db)
r = merge(db, "--key", key, b1, b2)
check(r.returncode == 0 and "Bundles: 0 merged, 2 skipped" in r.stderr, "replays are skipped: " + r.stderr)
check(content(db) == snapshot, "replays change nothing")
b1_copy = path("sealed-1-copy.bundle")
shutil.copy(b1, b1_copy)
r = merge(db, "--key", key, b1_copy)
check(content(db) == snapshot and r.returncode == 0, "the old bundle under another name changes nothing")

# changed bytes anywhere: the gzip header, the readable part, the sealed part, the trailer
raw = open(b2, "rb").read()
for at in (3, 9, 40, len(raw) // 3, len(raw) // 2, len(raw) - 30, len(raw) - 12, len(raw) - 2):
    f = path("changed-%d.bundle" % at)
    open(f, "wb").write(raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:])
    r = merge(db, "--key", key, f)
    check(r.returncode == 1 and "rejected" in r.stderr, "byte %d changed: rejected: %s" % (at, r.stderr[-300:]))
    check(content(db) == snapshot and integrity(db), "byte %d changed: database unchanged" % at)


def regzip(text):
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = bytearray(c.compress(text.encode()) + c.flush())
    data[9] = 0xFF
    return bytes(data)


def with_end(body):
    """body (without its end line) and the right end line: only the content is wrong."""
    n = int(re.search(r"^records: (\d+)$", body, re.M).group(1))
    return body + "end: %d %s\n" % (n, hashlib.sha256(body.encode()).hexdigest())


sealed_text = gzip.decompress(raw).decode()
body = sealed_text[:sealed_text.rindex("end: ")]
forgeries = {
    "site": (body.replace("\nsite: Cần Đước\n", "\nsite: Tân An\n"),
             "the readable manifest says site 'Tân An', the sealed one 'Cần Đước'"),
    "records": (body.replace("\nrecords: 3\n", "\nrecords: 4\n").replace(" 3\n", " 4\n", 1),
                "the readable manifest says records '4', the sealed one '3'"),
    "s-line": (re.sub(r"(?m)^S (.)", lambda m: "S " + ("A" if m.group(1) != "A" else "B"), body, count=1),
               "the sealed content cannot be decrypted: the bundle was changed after it was written"),
    "no-s-line": (re.sub(r"(?m)^S .*\n", "", body), "the sealed content stops before its final part"),
}
for name, (forged, expected) in forgeries.items():
    f = path("forged-%s.bundle" % name)
    open(f, "wb").write(regzip(with_end(forged)))
    r = merge(db, "--key", key, f)
    check(r.returncode == 1 and expected in r.stderr, "forged %s: %s" % (name, r.stderr[-400:]))
    check(content(db) == snapshot, "forged %s: database unchanged" % name)

# ---- --require-sealed -----------------------------------------------------------------------------
plain_store = new_store("plain.store", "Tân An", "Phạm Văn Tư")
fill(plain_store, "staff", [staff("P-1")])
p1 = export(plain_store, "plain-1.bundle")
r = run("collect", "export", "--store", plain_store, "-o", path("plain-x.bundle"))
check("signed, not sealed" in r.stderr, "export says signed, not sealed: " + r.stderr)
plain_text = gzip.open(p1, "rt", encoding="utf-8").read()
# an unsigned format 1 bundle of a store never seen before, as an older collector writes it
legacy_store = new_store("legacy.store", "Đức Hòa", "Lâm Văn Sáu")
fill(legacy_store, "staff", [staff("L-1")])
legacy_text = gzip.open(export(legacy_store, "legacy.bundle"), "rt", encoding="utf-8").read()
unsigned_text = re.sub(r"(?m)^signer: .*\n", "", legacy_text.replace("ictsurvey-bundle: 2\n", "ictsurvey-bundle: 1\n", 1))
unsigned_text = re.sub(r"(?m)^store-id: .*$", "store-id: 0badc0de-0000-4000-8000-00000000000f", unsigned_text)
unsigned_text = re.sub(r"(?m)^bundle-id: .*$", "bundle-id: 0badc0de-0000-4000-8000-0000000000b1", unsigned_text)
unsigned_body = unsigned_text[:unsigned_text.rindex("end: ")]
u1 = path("unsigned-1.bundle")
open(u1, "wb").write(regzip(with_end(unsigned_body)))

strict = path("strict.db")
r = merge(strict, "--require-sealed")
check(r.returncode == 0 and "accepts only sealed bundles" in r.stderr, "--require-sealed alone: " + r.stderr)
check(query(strict, "SELECT value FROM settings WHERE key = 'require_sealed'") == [("1",)], "remembered")
for f, what in ((p1, "signed but not sealed"), (u1, "unsigned")):
    r = merge(strict, "--key", key, f)
    check(r.returncode == 1 and "the central database accepts only sealed bundles (merge --require-sealed)" in r.stderr
          and "collect set-key" in r.stderr, "%s refused under --require-sealed: %s" % (what, r.stderr))
r = merge(strict, "--key", key, b1, b2)
check(r.returncode == 0 and "2 merged" in r.stderr, "sealed bundles still merge: " + r.stderr)
check(query(strict, "SELECT count(*) FROM form_staff")[0][0] == 3, "their records arrived")
r = run("merge", "--db", strict, "--require-sealed", "--allow-unsealed")
check(r.returncode == 2, "both flags: a usage error")
r = merge(strict, "--allow-unsealed", "--allow-unsigned", p1, u1)
check(r.returncode == 0 and "accepts unsealed bundles again" in r.stderr and "2 merged" in r.stderr,
      "--allow-unsealed: " + r.stderr)
check(query(strict, "SELECT signer IS NULL, sealed FROM bundles WHERE bundle_id = '0badc0de-0000-4000-8000-0000000000b1'") == [(1, 0)],
      "the unsigned bundle is recorded as such")

# a plain store given the key later seals its next export
r = run("status", "--db", strict)
check(r.returncode == 0 and re.search(r"Seals and signatures.*\n  2  1  1  no\n", r.stdout) is not None,
      "status counts seals and signatures: " + r.stdout[-600:])
r = run("collect", "set-key", "--store", plain_store, "--central-key", pub)
check(r.returncode == 0 and fp in r.stderr, "set-key: " + r.stderr)
fill(plain_store, "staff", [staff("P-2")])
p2 = export(plain_store, "plain-2.bundle")
check("\nsealed: " in gzip.open(p2, "rt", encoding="utf-8").read(), "sealed after set-key")
r = merge(strict, "--require-sealed", "--key", key, p2)
check(r.returncode == 0 and "1 merged" in r.stderr, "accepted under --require-sealed: " + r.stderr)

# ---- a known store's key changes, or the store stops signing ------------------------------------------
snapshot = content(db)
thief = path("thief.store")
shutil.copy(sealed_store, thief)  # the same store id ...
other_signing = query(plain_store, "SELECT value FROM meta WHERE key = 'signing_key'")[0][0]
con = sqlite3.connect(thief)
con.execute("UPDATE meta SET value = ? WHERE key = 'signing_key'", (other_signing,))
con.commit()
con.close()
fill(thief, "staff", [staff("FAKE-1")])
t1 = export(thief, "thief.bundle")  # ... and another key
r = merge(db, "--key", key, t1)
check(r.returncode == 1 and "the signing key of the store" in r.stderr and store_signer[:16] in r.stderr
      and other_signing[64:80] in r.stderr and "it may be forged" in r.stderr,
      "a changed key is reported and refused: " + r.stderr)
check(content(db) == snapshot, "nothing of it merged")
reason = query(db, "SELECT reason FROM rejected ORDER BY id DESC LIMIT 1")[0][0]
check("signing key of the store" in reason, "the reason is recorded")
store_id = query(sealed_store, "SELECT value FROM meta WHERE key = 'store_id'")[0][0]
stop = re.sub(r"(?m)^signer: .*\n", "", plain_text.replace("ictsurvey-bundle: 2\n", "ictsurvey-bundle: 1\n", 1))
stop = re.sub(r"(?m)^store-id: .*$", "store-id: " + store_id, stop)
stop = re.sub(r"(?m)^bundle-id: .*$", "bundle-id: 0badc0de-0000-4000-8000-0000000000b2", stop)
u2 = path("unsigned-known.bundle")
open(u2, "wb").write(regzip(with_end(stop[:stop.rindex("end: ")])))
r = merge(db, "--key", key, u2)
check(r.returncode == 1 and "the bundle is not signed (format 1" in r.stderr and "--allow-unsigned" in r.stderr,
      "an unsigned bundle is refused by default: " + r.stderr)
r = merge(db, "--key", key, "--allow-unsigned", u2)
check(r.returncode == 1 and "has signed its bundles" in r.stderr and "but this one is not signed" in r.stderr,
      "an unsigned bundle of a signing store: refused: " + r.stderr)
check(content(db) == snapshot, "nothing of it merged either")

# ---- a store can never change, block or replace another store's records, nor its bundles -------------
# (a record is its store's: store id and instance id together name it)
snapshot = content(db)
victim_id = ids[0]  # S-1 of the sealed store, merged above
victim_store = query(sealed_store, "SELECT value FROM meta WHERE key = 'store_id'")[0][0]
victim_row = query(db, "SELECT * FROM form_staff WHERE instance_id = ? AND store_id = ?", victim_id, victim_store)
intruder = new_store("intruder.store", "Cần Đước", "Someone Else", extra=("--central-key", pub))
intruder_store = query(intruder, "SELECT value FROM meta WHERE key = 'store_id'")[0][0]
con = sqlite3.connect(intruder)
con.execute("ATTACH DATABASE ? AS victim", (sealed_store,))
con.execute("INSERT INTO records SELECT * FROM victim.records WHERE instance_id = ?", (victim_id,))
con.execute("UPDATE records SET revision = revision + 5, answers = replace(answers, 'birth_year=1980',"
            " 'birth_year=1999') WHERE instance_id = ?", (victim_id,))
con.commit()
con.close()
i1 = export(intruder, "intruder.bundle")  # sealed, and signed with the intruder's own valid key
r = merge(db, "--key", key, i1)
check(r.returncode == 0 and "1 merged" in r.stderr, "another store's instance id is only its own record: " + r.stderr)
check(query(db, "SELECT * FROM form_staff WHERE instance_id = ? AND store_id = ?", victim_id, victim_store) == victim_row,
      "the victim's record unchanged")
check(query(db, "SELECT birth_year, revision FROM form_staff WHERE instance_id = ? AND store_id = ?", victim_id,
            intruder_store) == [(1999, 6)], "the copy stands as the intruder's own record")
check(query(db, "SELECT count(DISTINCT store_id) FROM duplicates WHERE instance_id = ?", victim_id) == [(2,)],
      "and the duplicates list shows both")
intruder2 = new_store("intruder2.store", "Cần Đước", "Someone Else", extra=("--central-key", pub))
fill(intruder2, "staff", [staff("X-1")])
victim_bundle = query(db, "SELECT bundle_id FROM bundles WHERE sealed = 1 AND store_id = ? LIMIT 1", victim_store)[0][0]
victim_bundle_row = query(db, "SELECT * FROM bundles WHERE bundle_id = ? AND store_id = ?", victim_bundle, victim_store)
r = run("collect", "export", "--store", intruder2, "-o", path("intruder2.bundle"), "--bundle-id", victim_bundle)
check(r.returncode == 0, "export with a chosen bundle id: " + r.stderr)
r = merge(db, "--key", key, path("intruder2.bundle"))
check(r.returncode == 0 and "1 merged" in r.stderr, "another store's bundle id is another bundle: " + r.stderr)
check(query(db, "SELECT * FROM bundles WHERE bundle_id = ? AND store_id = ?", victim_bundle, victim_store)
      == victim_bundle_row, "the victim's bundle unchanged")
r = merge(db, "--key", key, b1)
check(r.returncode == 0 and "merged before, skipped" in r.stderr, "and still known as merged: " + r.stderr)

# ---- a store and a central database made before keys existed ---------------------------------------------
old_store = new_store("old.store", "Bến Lức", "Võ Văn Năm")
con = sqlite3.connect(old_store)
con.execute("DELETE FROM meta WHERE key = 'signing_key'")
con.commit()
con.close()
fill(old_store, "staff", [staff("O-1")])
os.chmod(old_store, 0o644)  # as older versions left it
o1 = export(old_store, "old-1.bundle")
check(mode(old_store) == 0o600, "the store is made private when its key is added: %o" % mode(old_store))
made = query(old_store, "SELECT value FROM meta WHERE key = 'signing_key'")
check(len(made) == 1 and re.fullmatch(r"[0-9a-f]{128}", made[0][0]) is not None, "the first export makes the key")
check(("\nsigner: %s\n" % made[0][0][64:]) in gzip.open(o1, "rt", encoding="utf-8").read(), "and signs with it")
old_db = path("old.db")  # made before kits (tests/data/prekit), and before signatures
shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "prekit", "central.db"), old_db)
con = sqlite3.connect(old_db)
con.execute("ALTER TABLE bundles DROP COLUMN signer")
con.execute("ALTER TABLE bundles DROP COLUMN sealed")
con.commit()
con.close()
r = merge(old_db, "--key", key, o1)
check(r.returncode == 0 and "1 merged" in r.stderr, "an old database takes signed bundles: " + r.stderr)
check(query(old_db, "SELECT count(*) FROM bundles WHERE signer IS NULL AND sealed = 0")[0][0] == 2
      and query(old_db, "SELECT count(*) FROM bundles WHERE signer IS NOT NULL")[0][0] == 1,
      "the columns were added; the earlier bundle has no recorded signer")
check(integrity(old_db), "integrity")
r = run("status", "--db", old_db)
check(r.returncode == 0, "status still works: " + r.stderr)

finish()
