complete -c credshim -l uid -d 'Start COMMAND as this virtual uid (with no capabilities) instead of the launcher\'s own credentials' -r
complete -c credshim -l gid -d 'Start COMMAND with this virtual gid' -r
complete -c credshim -l groups -d 'Start COMMAND with these supplementary groups (comma separated)' -r
complete -c credshim -l intercept -d 'How emulated calls reach credshim: `notify` (seccomp user notifications, the fast path), `ptrace` (seccomp stops), or `auto` (notify where the kernel allows it, else ptrace; logged once)' -r -f -a "auto\t''
notify\t''
ptrace\t''"
complete -c credshim -l ownership -d 'File ownership the namespace cannot store: chown to unmapped ids, and files created after a drop to another user. `session` keeps it in memory for the life of credshim; `xattr` keeps it on the files, in the `user.rootlesscontainers` attribute that umoci reads and writes (hidden from the command); `off` lets such a chown fail as it does without credshim. stat shows the kept owners' -r -f -a "off\t''
session\t''
xattr\t''"
complete -c credshim -l grace -d 'Seconds between SIGTERM and SIGKILL for --exit-with-main' -r
complete -c credshim -l log-file -d 'Write the log to this file instead of standard error' -r -F
complete -c credshim -l no-seccomp -d 'Stop at every system call (PTRACE_SYSCALL) instead of using a seccomp filter. Much slower; for kernels or sandboxes that refuse seccomp filters (used automatically, with a warning, if installing the filter fails)'
complete -c credshim -l allow-host-root -d 'Run even as real root in the host\'s user namespace. Daemons would then believe they dropped root while they keep it'
complete -c credshim -l exit-with-main -d 'When the main command exits, end every other traced process too (SIGTERM, then SIGKILL after --grace): the container convention. Without it credshim waits while any traced process lives, so daemons that fork into the background keep running'
complete -c credshim -s g -l signal-group -d 'Run the command in a process group of its own and forward signals to that group (like tini -g)'
complete -c credshim -s v -l verbose -d 'Show each emulated call (-v) and every ptrace event (-vv). The CREDSHIM_LOG variable (error, warn, info, debug, trace) does the same'
complete -c credshim -l syslog -d 'Send the log to syslog'
complete -c credshim -s h -l help -d 'Print help (see more with \'--help\')'
complete -c credshim -s V -l version -d 'Print version'
