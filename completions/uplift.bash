# bash completion for uplift(1)                                   -*- shell-script -*-
#
# Completes commands and subcommands, each command's long options and their values
# (--se, --outcome, --format, ...), the shipped protocols of `init --protocol`, and the
# task ids of the current study (with their titles) where a command takes a TASK.
# Every list comes from the binary being completed, `uplift complete ...`, which
# generates it from its own command table: nothing here is a copy of it.
#
# Installed as <datadir>/bash-completion/completions/uplift (bash-completion loads it
# on first use); or source it from ~/.bashrc.

# _uplift_reply WORD...: COMPREPLY = the words that start with $cur (quoted safely).
_uplift_reply()
{
    local w
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
}

# _uplift_files: file names that start with $cur.
_uplift_files()
{
    local f
    compopt -o filenames 2>/dev/null
    while IFS= read -r f; do
        COMPREPLY+=("$f")
    done < <(compgen -f -- "$cur")
}

# _uplift_tasks: the study's task ids that start with $cur.  Several: "ID -- TITLE" each,
# so the list shows what the tasks are (their common prefix is still an id prefix);
# one: the bare id.
_uplift_tasks()
{
    local id title
    local -a ids=() shown=()
    while IFS=$'\t' read -r id title; do
        [[ $id == "$cur"* ]] || continue
        ids+=("$id")
        shown+=("$id -- $title")
    done < <("$up" "${globals[@]}" complete tasks 2>/dev/null)
    if ((${#ids[@]} == 1)); then
        COMPREPLY+=("${ids[0]}")
    else
        compopt -o nosort 2>/dev/null
        COMPREPLY+=("${shown[@]}")
    fi
}

# _uplift_argument OPTION LIST: succeeds when LIST (from `uplift complete options`) has
# OPTION taking a value, and prints what it takes as its synopsis names it ("FILE",
# "csv|json", or nothing).
_uplift_argument()
{
    local line
    while IFS= read -r line; do
        if [[ $line == "$1="* ]]; then
            printf '%s' "${line#*=}"
            return 0
        fi
    done <<<"$2"
    return 1
}

_uplift()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]:-}
    local up=${COMP_WORDS[0]}
    local -a globals=() cmd=() words=()
    local global_options options="" list word arg need_sub="" i=1 npos=0
    COMPREPLY=()

    # "--opt=value" arrives as "--opt" "=" "value" (COMP_WORDBREAKS has '=')
    if [[ $cur == "=" ]]; then
        cur=""
    elif [[ $prev == "=" ]] && ((COMP_CWORD >= 2)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    # The words before the cursor: global options, the command (one word, or a group
    # and its subcommand), then the command's options (with their values) and its
    # positional arguments.
    global_options=$("$up" complete options 2>/dev/null)
    while ((i < COMP_CWORD)); do
        word=${COMP_WORDS[i]}
        i=$((i + 1))
        if [[ $word == -* ]]; then
            list=$global_options
            ((${#cmd[@]})) && list=$options
            if _uplift_argument "$word" "$list" >/dev/null; then
                [[ ${COMP_WORDS[i]:-} == "=" ]] && i=$((i + 1))
                # the study of `complete tasks` is the one the command line names
                ((${#cmd[@]} == 0)) && [[ $word == --db ]] && globals=(--db "${COMP_WORDS[i]:-}")
                i=$((i + 1))
            fi
        elif ((${#cmd[@]} == 0)); then
            cmd=("$word")
            if [[ -n $("$up" complete subcommands "$word" 2>/dev/null) ]]; then
                need_sub=1
            else
                options=$("$up" complete options "$word" 2>/dev/null)
            fi
        elif [[ -n $need_sub ]]; then
            cmd+=("$word")
            need_sub=""
            options=$("$up" complete options "${cmd[@]}" 2>/dev/null)
        else
            npos=$((npos + 1))
        fi
    done

    # the value of an option
    if [[ $prev == -* ]]; then
        list=$global_options
        ((${#cmd[@]})) && list=$options
        if arg=$(_uplift_argument "$prev" "$list"); then
            mapfile -t words < <("$up" "${globals[@]}" complete values "${cmd[@]}" "$prev" 2>/dev/null)
            _uplift_reply "${words[@]}"
            case $arg in *FILE* | *PATH*) _uplift_files ;; esac
            return 0
        fi
    fi

    if ((${#cmd[@]} == 0)); then
        if [[ $cur == -* ]]; then
            mapfile -t words < <(printf '%s\n' "$global_options" | sed 's/=.*//')
        else
            mapfile -t words < <("$up" complete commands 2>/dev/null)
        fi
        _uplift_reply "${words[@]}"
        return 0
    fi
    if [[ -n $need_sub ]]; then
        mapfile -t words < <("$up" complete subcommands "${cmd[0]}" 2>/dev/null)
        _uplift_reply "${words[@]}" --help
        return 0
    fi
    if [[ $cur == -* ]]; then
        mapfile -t words < <(printf '%s\n' "$options" | sed 's/=.*//')
        _uplift_reply "${words[@]}"
        return 0
    fi

    # a positional argument: the one the synopsis names at this place (the last one
    # repeats when it ends in "...")
    local kind=""
    mapfile -t words < <("$up" complete arguments "${cmd[@]}" 2>/dev/null)
    if ((npos < ${#words[@]})); then
        kind=${words[npos]}
    elif ((${#words[@]})) && [[ ${words[-1]} == *... ]]; then
        kind=${words[-1]}
    fi
    case $kind in
    TASK*) _uplift_tasks ;;
    *FILE* | *PATH*) _uplift_files ;;
    COMMAND*)
        mapfile -t words < <("$up" complete commands 2>/dev/null)
        _uplift_reply "${words[@]}"
        ;;
    esac
    return 0
}
complete -F _uplift uplift
