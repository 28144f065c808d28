#!/bin/sh
# analyze refuses what it cannot estimate, with one line on stderr naming the task,
# line or option, exit 1 for data and 2 for usage.
. "$UPLIFT_SRC/tests/cli/lib.sh"

h='task_id,participant,arm,reported_min,post_review_min,forecast_no_ai_min,status'
good="$h
t1,ana,ai,50,5,40,done
t2,ana,no_ai,42,0,45,done
t3,ben,ai,70,10,60,done
t4,ben,no_ai,30,3,35,done
t5,cy,ai,55,0,50,done
t6,cy,no_ai,64,6,70,done
t7,dee,ai,20,2,25,done
t8,dee,no_ai,90,9,80,done"

# refused FILE EXIT CONTENT EXPECTED-MESSAGE-PART [OPTIONS...]
refused() {
    file=$1 code=$2 content=$3 msg=$4
    shift 4
    printf '%s\n' "$content" >"$file"
    up "$code" analyze --csv "$file" "$@"
    one_error_line
    contains err "$msg"
    [ ! -s out ] || fail "$file: refused analysis printed to stdout"
}

printf '%s\n' "$good" >good.csv
up 0 analyze --csv good.csv
# a warning names the option that would answer it only when it is not in use
contains out "use cr2 with its Satterthwaite degrees of freedom (used here)"
up 0 analyze --csv good.csv --se cr1 --bootstrap 0 --permutations 0
contains out "use cr2 with its Satterthwaite degrees of freedom (--se cr2 --dist t)"

refused zero.csv 1 "$good
t9,ana,ai,0,0,30,done" "task 't9': total time (reported_min + post_review_min) is 0"
refused impute0.csv 1 "$h
t1,ana,ai,0,,40,done
t2,ana,no_ai,42,0,45,done
t3,ben,ai,70,0,60,done
t4,ben,no_ai,30,3,35,done" "task 't1': reported_min is 0 and the imputed post-review time (the arm mean) is 0"
refused negative.csv 1 "$good
t9,ana,ai,-5,1,30,done" "task 't9': reported_min is -5"
refused measured.csv 1 "$good" "arm 'no_ai' has no analysed task (of 8 rows: 0 excluded, 0 not done or abandoned, 0 unassigned, 8 missing the measured outcome" --outcome measured
refused measured0.csv 1 "$h,measured_min
t1,ana,ai,50,5,40,done,12
t2,ana,no_ai,42,0,45,done,0" "task 't2': measured_min is 0, not a positive time" --outcome measured
refused forecast.csv 1 "$good
t9,ana,ai,10,1,0,done" "task 't9': forecast_no_ai_min is 0"
contains err "not a positive time (its log is the covariate); fix the task or use --covariate none"
refused noimpute.csv 1 "$h
t1,ana,ai,50,,40,done
t2,ana,no_ai,42,0,45,done
t3,ben,ai,70,,60,done
t4,ben,no_ai,30,3,35,done" "task 't1' has no post_review_min and no task of arm 'ai' has one to impute from; use --impute complete-case"
refused empty-arm.csv 1 "$h
t1,ana,ai,50,5,40,excluded
t2,ana,no_ai,42,0,45,done
t3,ben,ai,70,10,60,excluded
t4,ben,no_ai,30,3,35,done" "arm 'ai' has no analysed task"
refused few.csv 1 "$h
t1,ana,ai,50,5,40,done
t2,ben,no_ai,42,0,45,done
t3,cy,ai,70,10,60,done" "3 analysed tasks for 3 parameters"
refused one-cluster.csv 1 "$h
t1,ana,ai,50,5,40,done
t2,ana,no_ai,42,0,45,done
t3,ana,ai,70,10,60,done
t4,ana,no_ai,30,3,35,done
t5,ana,ai,31,3,35,done" "cr1 standard errors need at least two clusters (participants), and the data have 1" --se cr1
contains err "; use an hc type (e.g. --se hc2)"
refused dup.csv 1 "$good
t3,ana,ai,10,1,30,done" "task id 't3' appears twice (rows 3 and 9)"
refused text.csv 1 "$h
t1,ana,ai,50,5,40,done
t2,ana,no_ai,fifty,0,45,done" "text.csv:3: column 'reported_min': 'fifty' is not a number"
refused tiny.csv 1 "$good
t9,ana,ai,1e-320,1,30,done" "tiny.csv:10: column 'reported_min': '1e-320' is out of the range of a double"
refused huge.csv 1 "$good
t9,ana,ai,50,1,1e999,done" "huge.csv:10: column 'forecast_no_ai_min': '1e999' is out of the range of a double"
# a blank id would escape the duplicate check: refused where the column exists
refused blank-id.csv 1 "$good
,ana,ai,50,1,30,done
 ,ben,ai,50,1,30,done" "blank-id.csv:10: column 'task_id' is empty: every task needs an id"
refused blank-mapped-id.csv 1 "issue,participant,arm,reported_min,post_review_min,forecast_no_ai_min,status
i1,ana,ai,50,5,40,done
,ana,no_ai,42,0,45,done" "blank-mapped-id.csv:3: column 'issue' is empty" --map task_id=issue
# a quoted cell with a line break is quoted on one line
refused newline.csv 1 "$h
t1,ana,ai,\"5
0\",5,40,done" "newline.csv:2: column 'reported_min': '5?0' is not a number"
refused status.csv 1 "$h
t1,ana,ai,50,5,40,finished" "status.csv:2: column 'status': 'finished' is not a task status"
refused collinear.csv 1 "$h
t1,ana,ai,50,5,40,done
t2,ana,no_ai,42,0,40,done
t3,ben,ai,70,10,40,done
t4,ben,no_ai,30,3,40,done
t5,cy,no_ai,33,3,40,done" "columns are linearly dependent"
refused three.csv 1 "$h
t1,ana,a,50,5,40,done
t2,ana,b,42,0,45,done
t3,ben,c,70,10,60,done" "cannot tell the control arm"
refused treated.csv 1 "$good" "--treated yes: no task in 'treated.csv' has arm 'yes'" --treated yes
refused noarm.csv 1 "task_id,participant,reported_min
t1,a,3" "has no arm column: name it with --map arm=COLUMN"

# usage errors: exit 2
refused badmap.csv 2 "$good" "--map: 'speed' is not a task-table field" --map speed=x
refused nocol.csv 2 "$good" "--map participant=dev_id: 'nocol.csv' has no column 'dev_id'" --map participant=dev_id
refused badse.csv 2 "$good" "--se must be" --se cr4
refused badlevel.csv 2 "$good" "--level must be a number between 0 and 1" --level 95
refused badfe.csv 2 "$good" "--fe takes 'participant'" --fe category
up 2 analyze --map participant=dev_id
one_error_line
contains err "--map, --treated and --arm-names apply to --csv input only"
up 2 analyze --csv good.csv --no-such-option 100
one_error_line

up 1 analyze --csv no-such-file.csv
one_error_line
UPLIFT_DB="$(study_addr none)" up 1 analyze
one_error_line
if [ "${UPLIFT_TEST_BACKEND:-sqlite}" = postgresql ]; then
    contains err "_none\" does not exist"
else
    contains err "no study at"
fi
done_testing
