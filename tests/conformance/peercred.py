# SO_PEERCRED: a server (the side's root) accepts a client that dropped to
# 33:44; prints whether the pid is the client's, the uid and gid the
# kernel reports, and the same for a short (8-byte) buffer.
import os, signal, socket, struct, sys
signal.alarm(10)
path = os.path.join(sys.argv[1], "peer.sock")
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
os.chmod(path, 0o777)
srv.listen(1)
pid = os.fork()
if pid == 0:
    os.setgroups([])
    os.setgid(44)
    os.setuid(33)
    c = socket.socket(socket.AF_UNIX)
    c.connect(path)
    c.recv(1)
    os._exit(0)
conn, _ = srv.accept()
p, u, g = struct.unpack("iII", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
short = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 8)
print(p == pid, u, g, len(short), struct.unpack("iI", short)[1])
conn.send(b"x")
os.waitpid(pid, 0)
