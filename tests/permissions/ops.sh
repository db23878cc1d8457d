# The operations of issue 17 on a small tree made by the side's root in
# $D, then done by dropped users. Read by tests/permissions.rs.
set -u
cd "$D" && rm -rf t && mkdir t && cd t || exit 9
echo secret > s600 && chmod 600 s600
echo pub > p644 && chmod 644 p644
echo all > w666 && chmod 666 w666
echo grp > g640 && chgrp 33 g640 && chmod 640 g640
mkdir d700 && echo x > d700/f && chmod 700 d700
mkdir d755 && echo y > d755/f && chmod 755 d755
mkdir -p d711/sub && echo z > d711/sub/f && chmod 711 d711
mkdir sticky && chmod 1777 sticky && echo o > sticky/other && chown 44:44 sticky/other && chmod 666 sticky/other
echo m > sticky/mine && chown 33:33 sticky/mine
echo r > rec && chown 33:33 rec && chmod 600 rec
echo q > rec44 && chown 44:44 rec44 && chmod 600 rec44
mkdir own33 && chown 33:33 own33 && chmod 700 own33
cp "$D/accessprobe" suidprobe && chmod 4755 suidprobe
# A POSIX ACL (system.posix_acl_access, as setfacl writes it) that lets
# group 0 read a 0640 file of group 44: user::rw- group::--- group:0:r--
# mask::r-- other::---; noacl640 has the same mode without it.
echo acl > acl640 && echo noacl > noacl640 && chgrp 44 acl640 noacl640 && chmod 640 acl640 noacl640
python3 -c 'import os, struct
e = [(1, 6, 0xffffffff), (4, 0, 0xffffffff), (8, 4, 0), (0x10, 4, 0xffffffff), (0x20, 0, 0xffffffff)]
os.setxattr("acl640", "system.posix_acl_access", struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *x) for x in e))' || exit 9
as() { u=$1; shift; setpriv --reuid=$u --regid=$u --clear-groups "$@"; }
r() { out=$("$@" 2>&1); echo "$*: $? $out"; }
for u in 33 44; do
  echo "== uid $u"
  r as $u cat s600
  r as $u cat p644
  r as $u sh -c 'echo x >> p644'
  r as $u sh -c ': > p644'
  r as $u cat g640
  r as $u ls d700
  r as $u cat d700/f
  r as $u stat -c %s d700/f
  r as $u touch d700/new
  r as $u mkdir d700/newdir
  r as $u sh -c 'cd d700 && pwd'
  r as $u cat d711/sub/f
  r as $u ls d711
  r as $u rm -f d755/f
  r as $u rmdir d711/sub
  r as $u mv p644 d755/moved
  r as $u chmod 777 p644
  r as $u chmod 600 rec
  r as $u touch -d 2021-01-01 w666
  r as $u touch w666
  r as $u touch p644
  r as $u touch -d 2021-01-01 rec
  r as $u cat rec
  r as $u cat rec44
  r as $u ls own33
  r as $u touch own33/f
  r as $u rm -f sticky/other
  r as $u rm -f sticky/mine
  r as $u ln s600 sticky/hard
  r as $u truncate -s 0 s600
  r as $u ./suidprobe s600
  r as $u ./suidprobe p644
  r setpriv --reuid=$u --regid=$u --groups=0 cat acl640
  r setpriv --reuid=$u --regid=$u --groups=0 cat noacl640
  r as $u cat acl640
done
stat -c "%n %u:%g %a" sticky/* own33/* | sort
