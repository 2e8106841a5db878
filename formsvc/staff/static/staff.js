/* Workbench keyboard shortcuts: see below. */
