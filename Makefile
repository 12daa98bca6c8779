# The two commands of the README. Each sets up everything it needs on a fresh machine.
.PHONY: demo test

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh
