_credshim() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="credshim"
                ;;
            credshim,demo)
                cmd="credshim__subcmd__demo"
                ;;
            credshim,doctor)
                cmd="credshim__subcmd__doctor"
                ;;
            credshim,oci)
                cmd="credshim__subcmd__oci"
                ;;
            credshim__subcmd__oci,fix-owners)
                cmd="credshim__subcmd__oci__subcmd__fix__subcmd__owners"
                ;;
            credshim__subcmd__oci,hook)
                cmd="credshim__subcmd__oci__subcmd__hook"
                ;;
            credshim__subcmd__oci,inject)
                cmd="credshim__subcmd__oci__subcmd__inject"
                ;;
            credshim__subcmd__oci,runtime)
                cmd="credshim__subcmd__oci__subcmd__runtime"
                ;;
            credshim__subcmd__oci,seccomp-profile)
                cmd="credshim__subcmd__oci__subcmd__seccomp__subcmd__profile"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        credshim)
            opts="-g -v -h -V --uid --gid --groups --cap-effective --cap-permitted --cap-inheritable --cap-ambient --intercept --ownership --permissions --proc --no-seccomp --allow-host-root --exit-with-main --grace --signal-group --verbose --log-file --syslog --help --version oci doctor demo"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --uid)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gid)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --groups)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cap-effective)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cap-permitted)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cap-inheritable)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cap-ambient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --intercept)
                    COMPREPLY=($(compgen -W "auto notify ptrace" -- "${cur}"))
                    return 0
                    ;;
                --ownership)
                    COMPREPLY=($(compgen -W "off session xattr" -- "${cur}"))
                    return 0
                    ;;
                --permissions)
                    COMPREPLY=($(compgen -W "off emulate" -- "${cur}"))
                    return 0
                    ;;
                --grace)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__demo)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__doctor)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__oci)
            opts="-h --help inject runtime hook seccomp-profile fix-owners"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__oci__subcmd__fix__subcmd__owners)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__oci__subcmd__hook)
            opts="-v -h --ownership --verbose --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --ownership)
                    COMPREPLY=($(compgen -W "off session xattr" -- "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__oci__subcmd__inject)
            opts="-h --remove --mode --ownership --permissions --binary --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --mode)
                    COMPREPLY=($(compgen -W "wrap hook" -- "${cur}"))
                    return 0
                    ;;
                --ownership)
                    COMPREPLY=($(compgen -W "off session xattr" -- "${cur}"))
                    return 0
                    ;;
                --permissions)
                    COMPREPLY=($(compgen -W "off emulate" -- "${cur}"))
                    return 0
                    ;;
                --binary)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__oci__subcmd__runtime)
            opts="-h --runtime --ownership --permissions --log-file --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --runtime)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ownership)
                    COMPREPLY=($(compgen -W "off session xattr" -- "${cur}"))
                    return 0
                    ;;
                --permissions)
                    COMPREPLY=($(compgen -W "off emulate" -- "${cur}"))
                    return 0
                    ;;
                --log-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        credshim__subcmd__oci__subcmd__seccomp__subcmd__profile)
            opts="-h --base --ownership --listener --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --base)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ownership)
                    COMPREPLY=($(compgen -W "off session xattr" -- "${cur}"))
                    return 0
                    ;;
                --listener)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _credshim -o nosort -o bashdefault -o default credshim
else
    complete -F _credshim -o bashdefault -o default credshim
fi
