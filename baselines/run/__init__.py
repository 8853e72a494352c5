"""Running a runner over a dataset: work units, executors, run directories, the manifest and the merge."""
