"""What :func:`mlplib.training.fit` returns: a per-epoch :class:`History`."""


class History(dict):
    """Per-epoch metrics ``{"loss": [...], "accuracy": [...], "val_loss": [...]}``.

    A plain ``dict`` of lists (one entry per epoch); ``history.history`` is the same
    dict, as in Keras. ``history.epochs`` is the number of epochs trained.
    """

    @property
    def history(self):
        return self

    @property
    def epochs(self):
        return len(self.get("loss", []))

    def add(self, logs):
        """Append one epoch's metrics."""
        for key, value in logs.items():
            self.setdefault(key, []).append(value)

    def __repr__(self):
        cols = list(self)
        lines = ["epoch  " + "  ".join(f"{c:>12}" for c in cols)]
        for e in range(self.epochs):
            values = "  ".join(f"{self[c][e]:>12.4f}" for c in cols)
            lines.append(f"{e + 1:>5}  {values}")
        return "\n".join(lines)
