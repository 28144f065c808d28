# estimatr lm_robust(se_type = "CR2") on a task table (the bench's comparison).
#   Rscript r_cr2.R FILE.csv
# Prints the arm coefficient, its SE and df, and the seconds of reading and fitting.
suppressPackageStartupMessages(library(estimatr))
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- read.csv(args[1])
t1 <- proc.time()[["elapsed"]]
d$y <- log(d$reported_min + d$post_review_min)
d$ai <- as.numeric(d$arm == "ai")
d$lf <- log(d$forecast_no_ai_min)
f <- lm_robust(y ~ ai + lf, data = d, clusters = participant, se_type = "CR2")
t2 <- proc.time()[["elapsed"]]
cat(sprintf("estimatr coef %.10g se %.10g df %.6g read %.2f s fit %.2f s\n",
            coef(f)[["ai"]], f$std.error[["ai"]], f$df[["ai"]], t1 - t0, t2 - t1))
