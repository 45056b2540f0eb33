"""Use case 000's own steps (seeds/000): Tengine's test start, jobs, platform, console, support tool."""
