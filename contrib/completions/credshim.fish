# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_credshim_global_optspecs
    string join \n uid= gid= groups= cap-effective= cap-permitted= cap-inheritable= cap-ambient= intercept= ownership= permissions= proc no-seccomp allow-host-root exit-with-main grace= g/signal-group v/verbose log-file= syslog h/help V/version
end

function __fish_credshim_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_credshim_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_credshim_using_subcommand
    set -l cmd (__fish_credshim_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c credshim -n "__fish_credshim_needs_command" -l uid -d 'Start COMMAND as this virtual user (with no capabilities) instead of the launcher\'s own credentials: a uid, or a name from /etc/passwd (as setpriv --reuid takes it)' -r
complete -c credshim -n "__fish_credshim_needs_command" -l gid -d 'Start COMMAND with this virtual group: a gid, or a name from /etc/group' -r
complete -c credshim -n "__fish_credshim_needs_command" -l groups -d 'Start COMMAND with these supplementary groups (comma separated gids or names from /etc/group)' -r
complete -c credshim -n "__fish_credshim_needs_command" -l cap-effective -d 'With any --cap-* option, COMMAND starts as an OCI runtime (runc) starts a container\'s process: from the container\'s root (every capability of the bounding set), keep-caps across the change to --uid/--gid/--groups, then these effective, permitted and inheritable sets, then these ambient capabilities raised; exec then gives it what the kernel gives. LIST: capability names, comma separated (CAP_NET_BIND_SERVICE or net_bind_service; empty for none). `credshim oci` writes them for a container\'s process.user' -r
complete -c credshim -n "__fish_credshim_needs_command" -l cap-permitted -d 'The permitted set (see --cap-effective)' -r
complete -c credshim -n "__fish_credshim_needs_command" -l cap-inheritable -d 'The inheritable set (see --cap-effective)' -r
complete -c credshim -n "__fish_credshim_needs_command" -l cap-ambient -d 'The ambient capabilities to raise (see --cap-effective)' -r
complete -c credshim -n "__fish_credshim_needs_command" -l intercept -d 'How emulated calls reach credshim: `notify` (seccomp user notifications, the fast path), `ptrace` (seccomp stops), or `auto` (notify where the kernel allows it, else ptrace; logged once)' -r -f -a "auto\t''
notify\t''
ptrace\t''"
complete -c credshim -n "__fish_credshim_needs_command" -l ownership -d 'File ownership the namespace cannot store: chown to unmapped ids, and files created after a drop to another user. `session` keeps it in memory for the life of credshim; `xattr` keeps it on the files, in the `user.rootlesscontainers` attribute that umoci reads and writes (hidden from the command); `off` lets such a chown fail as it does without credshim. stat shows the kept owners' -r -f -a "off\t''
session\t''
xattr\t''"
complete -c credshim -n "__fish_credshim_needs_command" -l permissions -d 'File permission checks against the virtual credentials: with `emulate`, a process that dropped privileges gets EACCES or EPERM where the kernel would give them to its virtual user (a root-only 0600 file, a 0700 directory on the path, unlink in a directory it may not write, chmod and utimes of another\'s file, the sticky bit), with the owners `--ownership` keeps and POSIX ACLs; access() checks the real ids. Every open and path call then reaches credshim (the cost is in contrib/bench), so the default is `off`: the kernel checks the container\'s real credentials, which pass' -r -f -a "off\t''
emulate\t''"
complete -c credshim -n "__fish_credshim_needs_command" -l grace -d 'Seconds between SIGTERM and SIGKILL for --exit-with-main' -r
complete -c credshim -n "__fish_credshim_needs_command" -l log-file -d 'Write the log to this file instead of standard error' -r -F
complete -c credshim -n "__fish_credshim_needs_command" -l proc -d 'Show each traced task\'s virtual credentials in its /proc status files (Uid, Gid, Groups, the capability sets, NoNewPrivs of /proc/PID/status and /proc/PID/task/TID/status) and as the owner stat gives /proc/PID and its files, which ps, pgrep, libcap-ng and health checks read. Every open then reaches credshim (a cost on open-heavy work: contrib/bench); the status files need a seccomp filter (with --no-seccomp they show the real credentials)'
complete -c credshim -n "__fish_credshim_needs_command" -l no-seccomp -d 'Stop at every system call (PTRACE_SYSCALL) instead of using a seccomp filter. Much slower; for kernels or sandboxes that refuse seccomp filters (used automatically, with a warning, if installing the filter fails)'
complete -c credshim -n "__fish_credshim_needs_command" -l allow-host-root -d 'Run even as real root in the host\'s user namespace. Daemons would then believe they dropped root while they keep it'
complete -c credshim -n "__fish_credshim_needs_command" -l exit-with-main -d 'When the main command exits, end every other traced process too (SIGTERM, then SIGKILL after --grace): the container convention. Without it credshim waits while any traced process lives, so daemons that fork into the background keep running'
complete -c credshim -n "__fish_credshim_needs_command" -s g -l signal-group -d 'Run the command in a process group of its own and forward signals to that group (like tini -g)'
complete -c credshim -n "__fish_credshim_needs_command" -s v -l verbose -d 'Show each emulated call (-v) and every ptrace event (-vv). The CREDSHIM_LOG variable (error, warn, info, debug, trace) does the same'
complete -c credshim -n "__fish_credshim_needs_command" -l syslog -d 'Send the log to syslog'
complete -c credshim -n "__fish_credshim_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c credshim -n "__fish_credshim_needs_command" -s V -l version -d 'Print version'
complete -c credshim -n "__fish_credshim_needs_command" -a "oci" -d 'Rootless OCI containers (runc, crun) under credshim'
complete -c credshim -n "__fish_credshim_needs_command" -a "doctor" -d 'Report, in plain words, whether this machine supports each way of running credshim (user namespaces, ptrace, seccomp filters and user notifications, PTRACE_GET_SYSCALL_INFO, runc and crun). Exit status 0 when the basic mode (credshim -- COMMAND) works, 1 when not'
complete -c credshim -n "__fish_credshim_needs_command" -a "demo" -d 'Show the problem and the fix side by side: in a throwaway single-id user namespace (`unshare --map-root-user`, what a rootless container has), `setpriv --reuid=33 --regid=33 --clear-groups id` runs first natively (it fails) and then under this credshim (it prints uid 33). Nothing is installed or changed. Exit status 0 when both did what they show'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and not __fish_seen_subcommand_from inject runtime hook seccomp-profile fix-owners" -s h -l help -d 'Print help'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and not __fish_seen_subcommand_from inject runtime hook seccomp-profile fix-owners" -f -a "inject" -d 'Put a rootless OCI bundle\'s process under credshim'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and not __fish_seen_subcommand_from inject runtime hook seccomp-profile fix-owners" -f -a "runtime" -d 'Run runc or crun with credshim injected into the containers it creates'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and not __fish_seen_subcommand_from inject runtime hook seccomp-profile fix-owners" -f -a "hook" -d 'The OCI hook: attach to a container\'s init from outside'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and not __fish_seen_subcommand_from inject runtime hook seccomp-profile fix-owners" -f -a "seccomp-profile" -d 'Print podman\'s default seccomp profile with credshim\'s trace rules'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and not __fish_seen_subcommand_from inject runtime hook seccomp-profile fix-owners" -f -a "fix-owners" -d 'Put the owners kept in user.rootlesscontainers into an image\'s layer headers'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from inject" -l mode -d '`wrap`: credshim runs inside the container as its init; `hook`: nothing inside, an OCI hook attaches from outside' -r -f -a "wrap\t'Bind-mount the binary and prefix process.args'
hook\t'A createRuntime hook attaches from outside; the seccomp profile sends the shim table to it (runc 1.1+: through the container\'s seccomp listener; else seccomp stops; CREDSHIM_HOOK_CHANNEL= listener|stops forces one). Nothing of credshim inside the container'"
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from inject" -l ownership -d 'Where the container\'s file ownership is kept: the --ownership of the injected credshim (wrap) or of the hook' -r -f -a "off\t''
session\t''
xattr\t''"
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from inject" -l permissions -d 'The --permissions of the injected credshim (`--mode wrap` only)' -r -f -a "off\t''
emulate\t''"
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from inject" -l binary -d 'The credshim binary to bind-mount (default: this one). It must be static (it runs inside any rootfs) and readable by the user who runs the container' -r -F
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from inject" -l remove -d 'Undo a previous inject'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from inject" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from runtime" -l runtime -d 'The runtime to run (a path or a name on PATH). Default: $CREDSHIM_RUNTIME, else runc on PATH, else crun' -r -F
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from runtime" -l ownership -d 'Where the containers\' file ownership is kept (credshim\'s --ownership). Default: $CREDSHIM_OWNERSHIP, else xattr' -r -f -a "off\t''
session\t''
xattr\t''"
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from runtime" -l permissions -d 'File permission checks in the containers it injects (credshim\'s --permissions; not with the hook method). Default: $CREDSHIM_PERMISSIONS, else off' -r -f -a "off\t''
emulate\t''"
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from runtime" -l log-file -d 'Where to log the wrapper\'s decision for each container (default: syslog where there is one, else nowhere)' -r -F
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from runtime" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from hook" -l ownership -d 'Where the container\'s file ownership is kept (as credshim\'s own --ownership)' -r -f -a "off\t''
session\t''
xattr\t''"
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from hook" -l log-file -d 'Append the tracer\'s log to this file (default: syslog, else nowhere: the hook\'s standard streams belong to the runtime)' -r -F
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from hook" -s v -l verbose -d 'More log output (-v: each emulated call; -vv: every event)'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from hook" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from seccomp-profile" -l base -d 'The profile to start from (OCI or podman/moby format)' -r -F
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from seccomp-profile" -l ownership -d 'The --ownership mode of the hook (which call families are traced)' -r -f -a "off\t''
session\t''
xattr\t''"
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from seccomp-profile" -l listener -d 'SCMP_ACT_NOTIFY rules and this linux.seccomp.listenerPath instead of SCMP_ACT_TRACE rules: with runc 1.1+ as podman\'s runtime (--runtime runc), runc hands the container\'s seccomp listener to the hook there (`@NAME`: an abstract socket). One path per profile: containers started with it at the same time make the second hook fail ("Address already in use"); crun connects before the hooks run and cannot use it' -r
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from seccomp-profile" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c credshim -n "__fish_credshim_using_subcommand oci; and __fish_seen_subcommand_from fix-owners" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c credshim -n "__fish_credshim_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c credshim -n "__fish_credshim_using_subcommand demo" -s h -l help -d 'Print help'
