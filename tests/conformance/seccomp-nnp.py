# A seccomp filter (one instruction: allow) installed without no_new_privs,
# through prctl(PR_SET_SECCOMP) and seccomp(2), then with no_new_privs:
# the errno of each (0 when it worked).
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
insn = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0x7FFF0000))
fprog = ctypes.create_string_buffer(struct.pack("HxxxxxxQ", 1, ctypes.addressof(insn)))
def check(r):
    return 0 if r == 0 else os.strerror(ctypes.get_errno())
print("prctl", check(libc.prctl(22, 2, fprog, 0, 0)))
print("seccomp", check(libc.syscall(317, 1, 0, fprog)))
libc.prctl(38, 1, 0, 0, 0)
print("with no_new_privs", check(libc.syscall(317, 1, 0, fprog)))
