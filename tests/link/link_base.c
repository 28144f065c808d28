/* Links uplift_base alone (whole archive): the vocabulary and the column dataset. */
#include <stdio.h>
#include <string.h>

#include "uplift/model.h"
#include "uplift/status.h"
#include "uplift/task.h"

int main(void)
{
    upl_dataset ds;
    upl_task_row row;
    upl_se_type se;
    if (upl_dataset_init(&ds, 0, NULL) != UPL_OK)
        return 1;
    upl_task_row_clear(&row);
    row.task_id = "1";
    row.arm = "ai";
    int ok = upl_dataset_append(&ds, &row) == UPL_OK && ds.n == 1 && strcmp(ds.arm[0], "ai") == 0 &&
             upl_se_type_from_name("cr2", &se) == 0 && strcmp(upl_se_type_name(se), "cr2") == 0 &&
             strcmp(upl_strerror(UPL_NOMEM), "out of memory") == 0;
    upl_dataset_release(&ds);
    puts(ok ? "uplift_base links alone" : "uplift_base: wrong result");
    return ok ? 0 : 1;
}
