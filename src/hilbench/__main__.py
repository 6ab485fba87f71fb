from hilbench.cli import app

app()
