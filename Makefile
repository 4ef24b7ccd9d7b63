# The two commands of the README. Each sets up .venv (and, as root, Qt's system packages) first.
VENV ?= .venv
export VENV

.PHONY: run test setup clean

run: setup
	$(VENV)/bin/ganstudio $(ARGS)

test: setup
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

setup:
	@packaging/bootstrap.sh

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
