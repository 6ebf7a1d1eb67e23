"""Report building blocks: grouping runs into tables beside the published numbers, and plots."""
