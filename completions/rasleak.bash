# bash completion for rasleak(1): subcommands, options, backend names, and
# the -O keys of the backend named with -b.  Installed by CMake into
# share/bash-completion/completions/rasleak.

_rasleak_backends()
{
    # Backend names are the lines of 'rasleak backends' that do not start
    # with a space: "mock (default)", "curl", ...
    "$1" backends 2>/dev/null | awk '/^[^ ]/ { print $1 }'
}

_rasleak_option_keys()
{
    # "    -O leak_handles   number  ..." under the backend's own line.
    "$1" backends 2>/dev/null | awk -v b="$2" '
        /^[^ ]/ { cur = $1; next }
        cur == b && $1 == "-O" && $2 != "*" { print $2 "=" }'
}

_rasleak()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local bin=${words[0]}
    command -v "$bin" >/dev/null 2>&1 || bin=rasleak

    local commands="run analyze compare report backends"
    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi

    local cmd=${words[1]} opts
    case $cmd in
    run)
        opts="-b --backend -O --option -n --iterations --warmup --interval-ms
              --sample-every --max-failures --duration -o --output --format --force
              -q --quiet --no-analyze --json --alpha --min-rate --report --watch --watch-all
              --spawn --spawn-wait-ms --no-self --keep-going --handle-types --maps
              --junit --annotations --json-file --allow --upload --upload-trend
              --upload-required -h --help"
        case $prev in
        -b|--backend)
            COMPREPLY=($(compgen -W "$(_rasleak_backends "$bin")" -- "$cur"))
            return ;;
        -O|--option)
            local be=mock i
            for ((i = 2; i < cword; i++)); do
                case ${words[i]} in
                -b|--backend) be=${words[i+1]} ;;
                --backend=*) be=${words[i]#--backend=} ;;
                esac
            done
            compopt -o nospace 2>/dev/null
            COMPREPLY=($(compgen -W "$(_rasleak_option_keys "$bin" "$be")" -- "$cur"))
            return ;;
        --format)
            COMPREPLY=($(compgen -W "jsonl json compact" -- "$cur"))
            return ;;
        -o|--output|--report|--junit|--json-file|--allow)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --annotations)
            COMPREPLY=($(compgen -W "github" -- "$cur"))
            return ;;
        -n|--iterations|--warmup|--interval-ms|--sample-every|--max-failures|--duration|--alpha|--min-rate)
            return ;;
        esac
        ;;
    analyze)
        opts="--json --warmup --alpha --min-rate --threads --progress --no-progress --junit --annotations --json-file --allow --upload --upload-trend --upload-required -h --help"
        case $prev in
        --warmup|--alpha|--min-rate|--threads|--upload) return ;;
        --annotations) COMPREPLY=($(compgen -W "github" -- "$cur")); return ;;
        --junit|--json-file|--allow) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        esac
        ;;
    compare)
        opts="--json --tolerance --warmup --alpha --min-rate --progress --no-progress --junit --annotations --json-file --allow --upload --upload-trend --upload-required -h --help"
        case $prev in
        --tolerance|--warmup|--alpha|--min-rate|--upload) return ;;
        --annotations) COMPREPLY=($(compgen -W "github" -- "$cur")); return ;;
        --junit|--json-file|--allow) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        esac
        ;;
    report)
        opts="-o --output --title --width --warmup --alpha --min-rate --progress --no-progress -q --quiet -h --help"
        case $prev in
        -o|--output)
            COMPREPLY=($(compgen -f -X '!*.html' -- "$cur") $(compgen -d -- "$cur"))
            return ;;
        --title|--width|--warmup|--alpha|--min-rate) return ;;
        esac
        ;;
    backends)
        opts="-h --help"
        ;;
    *)
        return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    elif [[ $cmd == analyze || $cmd == report || $cmd == compare ]]; then
        # trend files
        COMPREPLY=($(compgen -f -X '!*.@(jsonl|json)' -- "$cur") $(compgen -d -- "$cur"))
    fi
}
complete -F _rasleak rasleak
