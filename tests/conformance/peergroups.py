# SO_PEERGROUPS: a server (the side's root) accepts a client that dropped to
# 33:44 with the supplementary groups 65534, 27 and 4; prints the groups the
# kernel reports, then what a buffer too small for them gets (ERANGE and the
# length needed).
import errno, os, signal, socket, struct, sys
signal.alarm(10)
SO_PEERGROUPS = 59
path = os.path.join(sys.argv[1], "groups.sock")
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
os.chmod(path, 0o777)
srv.listen(1)
pid = os.fork()
if pid == 0:
    os.setgroups([65534, 27, 4])
    os.setgid(44)
    os.setuid(33)
    c = socket.socket(socket.AF_UNIX)
    c.connect(path)
    c.recv(1)
    os._exit(0)
conn, _ = srv.accept()
raw = conn.getsockopt(socket.SOL_SOCKET, SO_PEERGROUPS, 64)
print(list(struct.unpack("%dI" % (len(raw) // 4), raw)))
try:
    conn.getsockopt(socket.SOL_SOCKET, SO_PEERGROUPS, 4)
    print("no error")
except OSError as e:
    print(errno.errorcode[e.errno])
conn.send(b"x")
os.waitpid(pid, 0)
