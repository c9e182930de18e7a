"""A virtualised image table: 100,000 rows filter, sort and scroll in milliseconds.

Textual's DataTable measures and lays out every row; this widget renders only the lines on
screen (the Line API over a ``ScrollView``, like Toolong's ``LogLines``). Its columns are the
entries of :data:`amitui.columns.COLUMNS` (one entry each: label, width rule, cell, sort key,
style); each image is one :class:`~amitui.columns.ImageRow` made once, holding a lowercase
haystack for the filter, so a keystroke is a pass over plain tuples:

- filter: ``needle in haystack`` in C, over the rows the needle can be in: those of the
  longest needle within it typed before (``web`` after ``we``), kept per needle in row order
  (the order the haystacks lie in memory), else those holding its rarest character (a mask
  per character made ahead); a needle seen before, e.g. after a backspace, is not searched
  again; a filter of several terms (:mod:`amitui.filters`) is a byte mask per term, kept
  per term, ANDed as integers;
- sort: one sort per column, its keys computed on the first sort by it (done ahead, a chunk
  of rows per idle turn, once the rows settle), the order kept until the rows change;
- scroll: only the visible rows are turned into strips (their cell texts made then), and
  strips are cached.

Orders and the filtered view are arrays of row numbers, not lists of rows: the cyclic
garbage collector does not walk their elements (a new 100k-element list of rows made every
collection during the next frames walk 100k objects: ~10 ms per filter or sort key).

A column's style is a Rich style definition (the registry has no Rich); it is parsed here
(``Style.parse`` caches it).

The widget knows the model (:class:`~amitui.model.Image`) and nothing of AWS. It posts
:class:`ImageTable.CursorChanged` and :class:`ImageTable.MarksChanged`; the App decides what
they mean.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, count, repeat
from operator import attrgetter, contains, is_, itemgetter
from typing import Any, ClassVar, overload

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from amitui.columns import COLUMNS, Column, ImageRow
from amitui.columns import column as column_entry
from amitui.filters import Filter, Memo, Term, parse, warm_up
from amitui.model import Image, ImageKey

from ._textual_private import set_virtual_size_without_layout

MARK = "●"
#: Strips kept for rows already drawn; far more than a screen, small next to 100k rows.
STRIP_CACHE_SIZE = 2048
#: Row numbers kept for filters already applied (per needle, e.g. for backspace), in all.
MATCH_CACHE_SIZE = 1_000_000
#: Row numbers kept, in all, of the rows each needle typed was found in (in row order, so
#: they outlive a sort): the next, longer needle is searched for in those rows only, and a
#: backspace back to a needle searches nothing.
NEEDLE_CACHE_SIZE = 4_000_000
#: Below this share of the rows, a longer needle whose rows are not known from a needle
#: within it is searched for in the shown rows (in sort order): their haystacks are
#: scattered in memory (a row costs ~3x a row read in row order), but there is then no
#: pass over every row.
SHOWN_ROWS_SHARE = 1 / 8
#: Terms whose matches are kept (a mask of a byte per row each: 100 KB at 100k rows), so
#: typing the next term of a filter does not evaluate the ones before it again.
TERM_CACHE_SIZE = 32
#: Characters every row is searched for ahead of time (see ImageTable.presort): a filter's
#: first character then costs no pass over the rows.
FIRST_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789-._"


def _indices(values: Iterable[int] = ()) -> array[int]:
    return array("i", values)


#: The flexible column never takes more than this (wider terminals leave the rest blank).
NAME_MAX_WIDTH = 60
#: Sort keys computed per idle turn of a presort (a column's keys at 100k rows cost up to
#: ~90 ms in one go, more than a keystroke's budget).
PRESORT_CHUNK = 20_000


class RowsView(Sequence[ImageRow]):
    """Rows picked by row number, in that order, without copying them."""

    def __init__(self, rows: Sequence[ImageRow], indices: array[int]) -> None:
        self._rows, self._indices = rows, indices

    def __len__(self) -> int:
        return len(self._indices)

    @overload
    def __getitem__(self, index: int) -> ImageRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[ImageRow]: ...
    def __getitem__(self, index: int | slice) -> ImageRow | list[ImageRow]:
        if isinstance(index, slice):
            return [self._rows[i] for i in self._indices[index]]
        return self._rows[self._indices[index]]

    def __iter__(self) -> Iterator[ImageRow]:
        return map(self._rows.__getitem__, self._indices)


class ImageTable(ScrollView, can_focus=True):
    """The image table. Drive it with :meth:`set_rows`, :meth:`set_filter`, :meth:`sort_by`,
    :meth:`move_cursor`, :meth:`page`; read :attr:`cursor_image` and :meth:`marked_images`."""

    DEFAULT_CSS = """
    ImageTable {
        background: $surface;
        /* Always there: a filter that shrinks the rows below a page (or grows them past
           one) would otherwise show or hide the bar, and each time lay out the screen. */
        overflow-y: scroll;
        & > .image-table--header { text-style: bold; color: $text-accent; background: $panel; }
        & > .image-table--cursor { background: $block-cursor-blurred-background; }
        & > .image-table--marked { color: $text-warning; text-style: bold; }
        & > .image-table--empty { color: $text-muted; text-style: italic; }
        &:focus > .image-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "image-table--header",
        "image-table--cursor",
        "image-table--marked",
        "image-table--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_mark",
            "Mark",
            id="mark",
            tooltip="Mark or unmark the image; actions apply to the marked images",
        ),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        # ctrl+b/ctrl+f as in k9s, less and vim.
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home", "edge(-1)", "First", show=False, id="table.first"),
        Binding("end", "edge(1)", "Last", show=False, id="table.last"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="table.left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="table.right"),
    ]

    # Flags that show a column (its Column.shown_when names one).
    show_region: reactive[bool] = reactive(True)
    #: The Owner column: on while the rows hold images of more than one owner.
    show_owner: reactive[bool] = reactive(False)
    #: The Account column: on while the rows hold images of more than one account (set by
    #: set_rows).
    show_account: reactive[bool] = reactive(False)
    #: The Last launched and Deregistration protection columns: off until chosen.
    show_launched: reactive[bool] = reactive(False)
    show_protection: reactive[bool] = reactive(False)
    #: The Used by column: on once the user asks for it (its counts are swept per region).
    show_used_by: reactive[bool] = reactive(False)
    #: What the table says when it has no rows (e.g. "Loading…", "No image matches 'x'").
    empty_text: reactive[str] = reactive("No images")

    class CursorChanged(Message):
        """The image under the cursor changed (bursts collapse into the latest)."""

        def __init__(self, table: ImageTable, image: Image | None) -> None:
            super().__init__()
            self.table = table
            self.image = image

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ImageTable.CursorChanged) and message.table is self.table

        @property
        def control(self) -> ImageTable:
            return self.table

    class MarksChanged(Message):
        def __init__(self, table: ImageTable, count: int) -> None:
            super().__init__()
            self.table = table
            self.count = count

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ImageTable.MarksChanged) and message.table is self.table

        @property
        def control(self) -> ImageTable:
            return self.table

    class Selected(Message):
        """Enter on a row."""

        def __init__(self, table: ImageTable, image: Image) -> None:
            super().__init__()
            self.table = table
            self.image = image

        @property
        def control(self) -> ImageTable:
            return self.table

    def __init__(
        self,
        *,
        columns: Sequence[Column] = COLUMNS,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``columns``: the registry's by default (rows are made with the same columns, for
        the searchable ones: see :func:`~amitui.columns.make_row`)."""
        super().__init__(name=name, id=id, classes=classes)
        self.columns: tuple[Column, ...] = tuple(columns)
        self._column_named = {c.key: c for c in self.columns}
        flexible = [c for c in self.columns if not c.width]
        if len(flexible) != 1:
            raise ValueError(f"one column has width 0 (takes the rest), not {len(flexible)}")
        self._flexible = flexible[0]
        for column in self.columns:
            flag = column.shown_when
            if flag is not None and not isinstance(getattr(type(self), flag, None), reactive):
                raise ValueError(f"column {column.key!r}: ImageTable has no flag {flag!r}")
        #: Eager columns -> where their keys are in each row's eager_keys.
        self._eager = {c.key: i for i, c in enumerate(c for c in self.columns if c.eager)}
        self._rows: list[ImageRow] = []
        self._haystacks: list[str] = []  # row.haystack for each of _rows, same order
        # Row numbers (indices into _rows):
        self._orders: dict[str, array[int]] = {}  # column -> every row, ascending
        self._presort_keys: tuple[str, list[Any]] | None = None  # (column, keys so far)
        self._ordered: array[int] = _indices()  # every row, in sort order
        self._visible: array[int] = _indices()  # the filtered view of _ordered
        self._matches: dict[str, array[int]] = {}  # needle -> its _visible, in this order
        self._order_getter: itemgetter[Any] | None = None  # _ordered's indices (filter)
        #: character -> whether each row has it (a byte per row, in row order), and in how
        #: many rows (which of a needle's characters is the rarest).
        self._char_hits: dict[str, tuple[bytes, int]] = {}
        self._needle_rows: dict[str, array[int]] = {}  # needle -> rows with it (row order)
        self._term_hits: dict[str, bytes] = {}  # term key -> matches each row? (row order)
        self._term_memo: Memo = {}  # what terms extracted from these rows (see filters)
        self._warming: Iterator[None] | None = None  # a presort's filters.warm_up
        self._query = Filter()
        self._filter = ""  # self._query.key
        self.sort_column = "created"
        self.sort_reverse = True
        self._cursor = 0
        #: The user has put the cursor on an image: rows streaming in keep it on that image
        #: (an untouched cursor stays on the first row, newest first, as regions arrive).
        self._cursor_chosen = False
        self._marks: dict[ImageKey, None] = {}  # ordered set
        self._strips: dict[tuple[Any, ...], Strip] = {}
        self._widths: tuple[int, ...] = ()
        self._widths_for: tuple[Any, ...] = ()
        self._shown_columns: list[Column] = list(self.columns)
        self._typical_length = 0  # of the flexible column's texts
        #: Columns narrower than their registry width (see set_rows), by key.
        self._fitted_widths: dict[str, int] = {}
        self._last_cursor_key: ImageKey | None = None
        self._layout: list[tuple[Column, int]] = []
        self._style_cache: dict[str, Style] | None = None
        self._presort_run = 0  # bumped to void a presort in progress
        self._content_size_for: tuple[Any, ...] = ()
        self._content_size_cached = (0, 0)
        #: The user's columns: key -> shown (True, never yielding its room) or hidden; a
        #: column not named follows its shown_when flag.
        self._column_choice: dict[str, bool] = {}

    # ---- data --------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows shown (after the filter)."""
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self._rows)

    @property
    def filter_text(self) -> str:
        return self._filter

    @property
    def visible_rows(self) -> Sequence[ImageRow]:
        return RowsView(self._rows, self._visible)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_image(self) -> Image | None:
        row = self._cursor_row_object()
        return row.image if row is not None else None

    def set_rows(self, rows: Iterable[ImageRow]) -> None:
        """Replace every row; the cursor stays on the same image when it is still there."""
        current = self._cursor_row_object()
        self._rows = list(rows)
        self._haystacks = [row.haystack for row in self._rows]
        self.show_account = len(set(map(_account_of, self._rows))) > 1
        # The Account column takes its longest name (aliases are often short), at most its
        # width: a few distinct names, so measuring them is cheap.
        names = set(map(_account_name, self._rows)) if self.show_account else set()
        longest = max(map(len, names), default=0)
        account = column_entry("account")
        self._fitted_widths = {"account": max(len(account.label), min(longest, account.width))}
        flexible = self._flexible
        lengths = map(len, map(flexible.measure or flexible.cell, self._rows))
        self._typical_length = _typical_length(lengths)
        self._orders.clear()
        self._presort_keys = None
        self._matches.clear()
        self._char_hits.clear()
        self._needle_rows.clear()
        self._forget_terms()
        self._stop_presort()
        dropped: list[ImageKey] = []
        if self._marks:
            known = {row.key for row in self._rows}
            dropped = [key for key in self._marks if key not in known]
            for key in dropped:
                del self._marks[key]
        self._resort()
        self._refilter(self._query, incremental=False)
        # A cursor still on the first row stays there as rows stream in (newest first).
        self._restore_cursor(current if self._cursor or self._cursor_chosen else None)
        if dropped:
            self.post_message(self.MarksChanged(self, len(self._marks)))

    def set_filter(self, text: str | Filter) -> None:
        """Show only the rows that match every term of ``text`` (see :mod:`amitui.filters`;
        a plain word: the id, name, description or a tag value contains it, in any case).
        A text that does not parse raises FilterError and leaves the filter as it was."""
        query = text if isinstance(text, Filter) else parse(text)
        if query.key == self._filter:
            return
        current = self._cursor_index()
        before, after = self._query.needle, query.needle
        incremental = bool(before and after and before in after)
        self._refilter(query, incremental=incremental)
        self._restore_cursor_index(current)

    def sort_by(self, column: str, reverse: bool | None = None) -> None:
        """Sort by ``column`` (a column's key); the same column again flips order."""
        if column not in self._column_named:
            raise ValueError(
                f"no column {column!r}; the columns are {', '.join(self._column_named)}"
            )
        if reverse is None:
            reverse = not self.sort_reverse if column == self.sort_column else False
        current = self._cursor_index()
        self.sort_column, self.sort_reverse = column, reverse
        self._resort()
        self._refilter(self._query, incremental=False)
        self._restore_cursor_index(current)

    def cycle_sort(self, step: int = 1) -> None:
        """Sort by the next (or previous) column, ascending."""
        keys = [c.key for c in self._columns()]
        index = keys.index(self.sort_column) if self.sort_column in keys else -1
        self.sort_by(keys[(index + step) % len(keys)], reverse=False)

    def replace_row(self, row: ImageRow) -> None:
        """Swap in a recomputed row for the same image (e.g. its access became known)."""
        index = _find_image(self._rows, row.image)
        if index is None:
            return
        old, self._rows[index] = self._rows[index], row
        self._forget_terms()  # a term may read whatever changed (e.g. the access)
        # Orders and views hold row numbers, so they stay valid, except the cached orders of
        # the columns whose sort key changed (the current order stays as shown until then).
        for key in list(self._orders):
            sort_key = self._column_named[key].sort_function()
            if sort_key(old) != sort_key(row):
                del self._orders[key]
        if self._presort_keys is not None:
            key, keys = self._presort_keys
            if index < len(keys):
                keys[index] = self._column_named[key].sort_function()(row)
        if old.haystack != row.haystack:
            self._haystacks[index] = row.haystack
            self._matches.clear()
            self._char_hits.clear()
            self._needle_rows.clear()
        self._strips.clear()
        self.refresh()

    def presort(self) -> None:
        """Sort the rows by every column ahead of time, one column per idle turn of the
        event loop: the first sort by a column at 100k rows costs 25-130 ms, more than a
        keystroke's budget. Then search every row for each of FIRST_CHARACTERS, one per
        turn (~5 ms each at 100k rows, 100 KB each), so a filter's first key needs no pass
        over the haystacks; then what filter terms read of every row (filters.warm_up).
        Call when the rows have settled (e.g. every region loaded)."""
        self._stop_presort()
        self.call_later(self._presort_step, self._presort_run)

    def _presort_step(self, run: int) -> None:
        if run != self._presort_run:
            return  # the rows changed since: that presort is void
        missing = next((c for c in self.columns if c.key not in self._orders), None)
        if missing is not None:
            self._presort_chunk(missing)
        elif self._order_getter is None and len(self._ordered) > 1:
            self._order_getter = itemgetter(*self._ordered)  # see _in_sort_order
        else:
            char = next((c for c in FIRST_CHARACTERS if c not in self._char_hits), None)
            if char is not None:
                hits = bytes(map(contains, self._haystacks, repeat(char)))
                self._char_hits[char] = (hits, hits.count(1))
            else:
                if self._warming is None:
                    self._warming = warm_up(self._rows, self._term_memo)
                if next(self._warming, "done") == "done":
                    return  # all done
        self.call_later(self._presort_step, run)  # after whatever (keys) arrived meanwhile

    def _stop_presort(self) -> None:
        self._presort_run += 1

    def _forget_terms(self) -> None:
        """The rows changed: what terms found or extracted from them is void."""
        self._term_hits.clear()
        self._term_memo.clear()
        self._warming = None  # it was filling the memo just cleared

    def _presort_chunk(self, column: Column) -> None:
        """The next PRESORT_CHUNK of ``column``'s sort keys, or, once it has them all, its
        order."""
        keys: list[Any] = []
        if self._presort_keys is not None and self._presort_keys[0] == column.key:
            keys = self._presort_keys[1]
        if len(keys) < len(self._rows) and column.key not in self._eager:
            rows = self._rows[len(keys) : len(keys) + PRESORT_CHUNK]
            keys.extend(map(column.sort_function(), rows))
            self._presort_keys = (column.key, keys)
        else:
            self._ascending(column.key)

    def _ascending(self, key: str) -> array[int]:
        # Ascending orders are cached per column until the rows change: flipping the order
        # or returning to a column is then a copy, not another sort.
        ascending = self._orders.get(key)
        if ascending is None:
            column = self._column_named[key]
            keys: list[Any] = []
            if key in self._eager:  # computed in make_row: picked out in C
                keys = list(map(itemgetter(self._eager[key]), map(_eager_keys_of, self._rows)))
            elif self._presort_keys is not None and self._presort_keys[0] == key:
                keys = self._presort_keys[1]  # a presort's keys so far
                self._presort_keys = None
            keys.extend(map(column.sort_function(), self._rows[len(keys) :]))
            ascending = _indices(sorted(range(len(keys)), key=keys.__getitem__))  # stable
            self._orders[key] = ascending
        return ascending

    def _resort(self) -> None:
        ascending = self._ascending(self.sort_column)
        # Shared, not copied: orders and views are never changed in place.
        self._ordered = ascending[::-1] if self.sort_reverse else ascending
        self._order_getter = None
        self._matches.clear()

    def _refilter(self, query: Filter, *, incremental: bool) -> None:
        key = query.key
        if not key:
            self._visible = self._ordered
        else:
            visible = self._matches.get(key)
            if visible is None:
                needle = query.needle
                if needle is not None:  # one word: the substring search, with its shortcuts
                    visible = self._search(needle, self._visible if incremental else None)
                else:
                    hits = self._in_sort_order(self._query_hits(query))
                    visible = _indices(compress(self._ordered, hits))
                self._remember(key, visible)
            self._visible = visible
        self._query, self._filter = query, key
        self._strips.clear()
        set_virtual_size_without_layout(self, Size(self._table_width(), len(self._visible) + 1))
        self.refresh()

    def _search(self, needle: str, within: array[int] | None) -> array[int]:
        """The rows of ``within`` (default: every row, in sort order) whose haystack contains
        ``needle``, in that order; each loop runs in C."""
        haystacks = self._haystacks
        if within is None or self._broad(needle):
            return _indices(compress(self._ordered, self._in_sort_order(self._needle_mask(needle))))
        # The needle grew: its rows are among those shown, kept in their order.
        if len(within) < SHOWN_ROWS_SHARE * len(haystacks) and not self._knows_within(needle):
            found = map(contains, map(haystacks.__getitem__, within), repeat(needle))
            return _indices(compress(within, found))
        # Its rows found in row order, then looked up for each shown row in the mask (a
        # byte per row: 1 MB at 1M rows, read from the cache), not a pass over every row
        # in sort order; over most rows, that pass costs less than looking each one up.
        if len(self._rows_with(needle)) == len(within):
            return within  # every row shown has it (typing on through a word): the same view
        mask = self._needle_mask(needle)
        if len(within) * 2 >= len(haystacks):
            return _indices(compress(self._ordered, self._in_sort_order(mask)))
        return _indices(compress(within, map(mask.__getitem__, within)))

    def _broad(self, needle: str) -> bool:
        """No needle within ``needle`` has known rows, and its rarest character is in most
        rows: one pass over every row makes its mask for less than finding its rows (and
        setting their bytes) would."""
        if needle in self._needle_rows or any(k in needle for k in self._needle_rows):
            return False
        rarest = self._rarest_character(needle)
        rows = len(self._haystacks) if rarest is None else rarest[1]
        return rows * 2 > len(self._haystacks)

    def _rarest_character(self, needle: str) -> tuple[bytes, int] | None:
        """The hits of ``needle``'s character in fewest rows (None: none made ahead)."""
        known = [h for c in set(needle) if (h := self._char_hits.get(c)) is not None]
        return min(known, key=itemgetter(1), default=None)

    def _knows_within(self, needle: str) -> bool:
        """The rows of a needle within ``needle`` are known (it is searched for in those)."""
        return needle in self._char_hits or any(k in needle for k in self._needle_rows)

    def _needle_mask(self, needle: str) -> bytes | bytearray:
        """Whether each row's haystack contains ``needle`` (a byte per row, in row order)."""
        hits = self._char_hits.get(needle)
        if hits is not None:
            return hits[0]
        if self._broad(needle):
            return bytes(map(contains, self._haystacks, repeat(needle)))
        found = bytearray(len(self._haystacks))
        # Each row found: found[row] = 1 (in C; the rows ascend, so memory is written in order).
        deque(map(found.__setitem__, self._rows_with(needle), repeat(1)), maxlen=0)
        return found

    def _rows_with(self, needle: str) -> array[int]:
        """The rows whose haystack contains ``needle``, in row order: searched for in the rows
        of the longest needle within it searched before (e.g. ``we`` before ``web``), or in
        the rows holding its rarest character (masks made ahead), else in every row; each
        pass reads the haystacks in row order, in which they lie in memory."""
        rows = self._needle_rows.get(needle)
        if rows is not None:
            return rows
        haystacks = self._haystacks
        base = max((k for k in self._needle_rows if k in needle), key=len, default=None)
        if base is not None:
            within = self._needle_rows[base]
            found = map(contains, map(haystacks.__getitem__, within), repeat(needle))
            rows = _indices(compress(within, found))
        else:
            rarest = self._rarest_character(needle)
            if rarest is not None:
                mask = rarest[0]
                found = map(contains, compress(haystacks, mask), repeat(needle))
                rows = _indices(compress(compress(count(), mask), found))
            else:
                rows = _indices(compress(count(), map(contains, haystacks, repeat(needle))))
        cache = self._needle_rows
        cache[needle] = rows
        total = sum(map(len, cache.values()))
        while total > NEEDLE_CACHE_SIZE and len(cache) > 1:
            total -= len(cache.pop(next(iter(cache))))  # the oldest first
        return rows

    def _query_hits(self, query: Filter) -> bytes:
        """Whether each row (in row order) matches every term: each term's mask (kept per
        term), ANDed as one big integer each (in C: ~0.1 ms at 100k rows)."""
        size = len(self._rows)
        combined = -1
        for term in query.terms:
            combined &= int.from_bytes(self._term_mask(term), "little")
        return combined.to_bytes(size, "little") if combined != -1 else b"\1" * size

    def _term_mask(self, term: Term) -> bytes:
        mask = self._term_hits.get(term.key)
        if mask is None:
            needle = term.needle
            if needle is not None:
                mask = bytes(self._needle_mask(needle))
            else:
                mask = term.hits(self._rows, self._term_memo)
            if term.negated:
                mask = mask.translate(_NEGATE)
            if len(self._term_hits) >= TERM_CACHE_SIZE:
                del self._term_hits[next(iter(self._term_hits))]  # the oldest
            self._term_hits[term.key] = mask
        return mask

    def _in_sort_order(self, values: bytes | bytearray) -> Iterable[int]:
        """``values`` (one per row, in row order) in sort order, rearranged in C."""
        ordered = self._ordered
        if len(ordered) < 2:  # itemgetter of one index returns the item, not a tuple
            return [values[index] for index in ordered]
        if self._order_getter is None:  # 100k indices: ~3 ms, once per order
            self._order_getter = itemgetter(*ordered)
        rearranged: tuple[int, ...] = self._order_getter(values)
        return rearranged

    def _remember(self, needle: str, visible: array[int]) -> None:
        matches = self._matches
        matches[needle] = visible
        total = sum(map(len, matches.values()))
        while total > MATCH_CACHE_SIZE and len(matches) > 1:
            total -= len(matches.pop(next(iter(matches))))  # the oldest first

    def _cursor_index(self) -> int | None:
        """The cursor's row number (index into _rows)."""
        if 0 <= self._cursor < len(self._visible):
            return self._visible[self._cursor]
        return None

    def _cursor_row_object(self) -> ImageRow | None:
        index = self._cursor_index()
        return self._rows[index] if index is not None else None

    def _restore_cursor_index(self, index: int | None) -> None:
        """Put the cursor back on row number ``index`` (same rows, filtered or sorted since;
        one search in C), or on the first row if it is not shown."""
        position = 0
        if index is not None:
            try:
                position = self._visible.index(index)
            except ValueError:
                position = 0
        self._set_cursor(position)

    def _restore_cursor(self, row: ImageRow | None) -> None:
        """Put the cursor back on ``row``, or a row for the same image, after the rows were
        replaced (identity first: comparing 100k dataclass keys costs milliseconds)."""
        if row is None:
            self._set_cursor(0)
            return
        rows = self._rows
        index: int | None = next(compress(count(), map(is_, rows, repeat(row))), None)
        if index is None:
            index = _find_image(rows, row.image)
        self._restore_cursor_index(index)

    # ---- cursor and marks --------------------------------------------------------------

    def _set_cursor(self, index: int) -> None:
        count = len(self._visible)
        index = max(0, min(index, count - 1)) if count else 0
        old = self._cursor
        self._cursor = index
        self._scroll_to_cursor()
        if old != index:
            self._refresh_row(old)
            self._refresh_row(index)
        image = self.cursor_image
        key = image.key if image else None
        if key != self._last_cursor_key:
            self._last_cursor_key = key
            self.post_message(self.CursorChanged(self, image))

    def _choose(self, position: int) -> None:
        self._cursor_chosen = True
        self._set_cursor(position)

    def move_cursor(self, delta: int) -> None:
        self._choose(self._cursor + delta)

    def move_cursor_to(self, key: ImageKey) -> bool:
        """Put the cursor on ``key``; False if it is not shown (filtered out or absent)."""
        rows = self._rows
        for position, index in enumerate(self._visible):
            if rows[index].key == key:
                self._choose(position)
                return True
        return False

    def page(self, direction: int) -> None:
        self._choose(self._cursor + direction * max(1, self._page_rows()))

    def _page_rows(self) -> int:
        return max(1, self._content_size()[1] - 1)

    def _scroll_to_cursor(self) -> None:
        rows = self._page_rows()
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + rows:
            self.scroll_to(y=self._cursor - rows + 1, animate=False, immediate=True)

    def toggle_mark(self) -> None:
        """Mark or unmark the image under the cursor, then move down."""
        image = self.cursor_image
        if image is None:
            return
        if image.key in self._marks:
            del self._marks[image.key]
        else:
            self._marks[image.key] = None
        self._refresh_row(self._cursor)
        self.post_message(self.MarksChanged(self, len(self._marks)))
        self.move_cursor(1)

    def set_marks(self, keys: Iterable[ImageKey]) -> None:
        self._marks = dict.fromkeys(keys)
        self._strips.clear()
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self._marks)))

    def clear_marks(self) -> None:
        self.set_marks(())

    @property
    def marked_keys(self) -> tuple[ImageKey, ...]:
        return tuple(self._marks)

    def marked_images(self) -> list[Image]:
        """Marked images in table order (filtered-out marks included, after the shown ones)."""
        if not self._marks:
            return []
        marks = self._marks
        return [row.image for row in map(self._rows.__getitem__, self._ordered) if row.key in marks]

    def action_toggle_mark(self) -> None:
        self.toggle_mark()

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(delta)

    def action_page(self, direction: int) -> None:
        self.page(direction)

    def action_edge(self, direction: int) -> None:
        self._choose(0 if direction < 0 else len(self._visible) - 1)

    def action_select(self) -> None:
        image = self.cursor_image
        if image is not None:
            self.post_message(self.Selected(self, image))

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            self.action_select()

    # ---- mouse -------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x + round(self.scroll_x))
            if column is not None:
                self.sort_by(column)
            return
        self.focus()
        self._choose(round(self.scroll_y) + offset.y - 1)

    def _column_at(self, x: int) -> str | None:
        position = 2  # the mark gutter
        for column, width in zip(self._columns(), self._column_widths(), strict=True):
            if position <= x < position + width:
                return column.key
            position += width + 1
        return None

    # ---- rendering ---------------------------------------------------------------------

    def on_mount(self) -> None:
        for flag in dict.fromkeys(c.shown_when for c in self.columns if c.shown_when):
            self.watch(self, flag, self._shown_columns_changed, init=False)

    @property
    def column_choice(self) -> dict[str, bool]:
        return dict(self._column_choice)

    def set_column_choice(self, choice: dict[str, bool]) -> None:
        """Show (True) or hide columns whatever their flags say; the flexible column (the
        name) is always shown."""
        unknown = set(choice) - set(self._column_named)
        if unknown:
            raise ValueError(f"no column {', '.join(sorted(unknown))}")
        self._column_choice = {k: v for k, v in choice.items() if k != self._flexible.key}
        self._shown_columns_changed()

    def column_shown(self, column: Column, *, chosen: bool = True) -> bool:
        """Whether ``column`` is among the table's columns now (room allowing); not
        ``chosen``: whether it would be without the user's choice."""
        choice = self._column_choice.get(column.key) if chosen else None
        if choice is not None:
            return choice
        return column.shown_when is None or bool(getattr(self, column.shown_when))

    def _shown_columns_changed(self) -> None:
        self._strips.clear()
        self._widths_for = ()  # other columns, other widths
        self.refresh()

    def watch_empty_text(self) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache = None
        self._content_size_for = ()  # padding or borders may have changed
        self._strips.clear()

    def on_resize(self) -> None:
        self._strips.clear()
        set_virtual_size_without_layout(self, Size(self._table_width(), len(self._visible) + 1))
        self._scroll_to_cursor()  # a shorter table must still show the row the cursor is on
        # Lines may have been drawn at the new size, from strips of the old widths, before
        # this event arrived: draw them all again.
        self.refresh()

    def _columns(self) -> list[Column]:
        self._column_widths()
        return self._shown_columns

    def _column_widths(self) -> tuple[int, ...]:
        """Columns share the width by what they hold: the name gets its longest value (up
        to NAME_MAX_WIDTH), low-value columns yield to it, and no column is padded."""
        width = self._content_size()[0]
        # Read per line drawn: the show flags' watchers void it (reading them costs more).
        if self._widths_for != (width, self._typical_length, tuple(self._fitted_widths.items())):
            columns = [c for c in self.columns if self.column_shown(c)]
            flexible = self._flexible
            wanted = min(max(self._typical_length, len(flexible.label)), NAME_MAX_WIDTH)

            fitted = self._fitted_widths

            def room() -> int:  # what the other columns leave for the name
                return width - sum(fitted.get(c.key, c.width) for c in columns) - len(columns) - 2

            chosen = self._column_choice
            yielding = (c for c in columns if c.yields and not chosen.get(c.key))
            for column in sorted(yielding, key=lambda c: c.yields):
                if room() >= wanted:
                    break
                columns.remove(column)
            self._shown_columns = columns
            self._widths = tuple(
                fitted.get(c.key, c.width) or max(c.min_width, min(room(), wanted)) for c in columns
            )
            self._widths_for = (width, self._typical_length, tuple(fitted.items()))
            self._strips.clear()  # strips are cut to the widths they were made with
            self._layout = list(zip(columns, self._widths, strict=True))
        return self._widths

    def _table_width(self) -> int:
        widths = self._column_widths()
        return 2 + sum(widths) + len(widths)  # the mark gutter, cells, a gap after each

    def _styles(self) -> dict[str, Style]:
        """Rich styles for this render pass; recomputed only when CSS or focus changes."""
        if self._style_cache is None:
            base = self.rich_style
            cursor = self.get_component_rich_style("image-table--cursor")
            marked = self.get_component_rich_style("image-table--marked")
            self._style_cache = {
                "base": base,
                "header": self.get_component_rich_style("image-table--header"),
                "empty": self.get_component_rich_style("image-table--empty"),
                "cursor": base + cursor,
                "marked": base + marked,
                "marked-cursor": base + marked + cursor,
            }
        return self._style_cache

    def _on_focus(self, event: events.Focus) -> None:
        self._style_cache = None
        self._strips.clear()
        super()._on_focus(event)

    def _on_blur(self, event: events.Blur) -> None:
        self._style_cache = None
        self._strips.clear()
        super()._on_blur(event)

    def _refresh_row(self, index: int) -> None:
        # The strip cache needs no pruning: its key holds all a row's strip depends on
        # (position, row, cursor, mark); styles and widths clear it. (Pruning it copied up
        # to 2,048 entries twice per cursor move.)
        self.refresh_line(index + 1)  # virtual line: the header is line 0

    def _content_size(self) -> tuple[int, int]:
        """The scrollable content region's (width, height): Textual recomputes it (CSS
        gutter included) on every read, and it is read per line and per row drawn."""
        key = (self.size, self.show_vertical_scrollbar, self.show_horizontal_scrollbar)
        if key != self._content_size_for:
            region = self.scrollable_content_region
            self._content_size_for, self._content_size_cached = key, (region.width, region.height)
        return self._content_size_cached

    def render_line(self, y: int) -> Strip:
        width = self._content_size()[0]
        scroll_x = round(self.scroll_x)
        styles = self._styles()
        if y == 0:
            return self._header_strip().crop_extend(scroll_x, scroll_x + width, None)
        index = round(self.scroll_y) + y - 1
        if index >= len(self._visible):
            if index == 0:
                text = Segment(f"  {self.empty_text}", styles["empty"])
                return Strip([text]).adjust_cell_length(width, styles["base"])
            return Strip.blank(width, styles["base"])
        row = self._rows[self._visible[index]]
        cursor = index == self._cursor
        marked = row.key in self._marks
        cache_key = (index, id(row), cursor, marked)
        strip = self._strips.get(cache_key)
        if strip is None:
            strip = self._row_strip(row, cursor=cursor, marked=marked)
            if len(self._strips) > STRIP_CACHE_SIZE:
                self._strips.clear()
            self._strips[cache_key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, styles["base"])

    def _header_strip(self) -> Strip:
        style = self._styles()["header"]
        segments = [Segment("  ", style)]
        for column, width in zip(self._columns(), self._column_widths(), strict=True):
            label = column.label
            if column.key == self.sort_column:
                label += " ▼" if self.sort_reverse else " ▲"
            segments.append(Segment(_fit(label, width, column.right) + " ", style))
        return Strip(segments).adjust_cell_length(self._table_width(), style)

    def _row_strip(self, row: ImageRow, *, cursor: bool, marked: bool) -> Strip:
        styles = self._styles()
        if cursor:
            base = styles["marked-cursor" if marked else "cursor"]
        else:
            base = styles["marked" if marked else "base"]
        self._column_widths()
        # Cells in the row's base style are joined into one segment (a row is then ~6
        # segments, not 26: every segment costs again in each of Textual's passes).
        parts: list[str] = [f"{MARK} " if marked else "  "]
        segments: list[Segment] = []
        for column, width in self._layout:
            text = column.cell(row)
            fitted = _fit(text, width, column.right)
            style = base
            # The cursor's colours win over cell colours.
            if column.style is not None and text and not cursor:
                definition = column.style(row, text)
                if definition:
                    style = base + Style.parse(definition)
            if style is base:  # Style + a null style is the same object
                parts.append(fitted)
            else:
                segments.append(Segment("".join(parts), base))
                segments.append(Segment(fitted, style))
                parts = []
            parts.append(" ")  # the gap after each cell
        segments.append(Segment("".join(parts), base))
        return Strip(segments, self._table_width())


_account_of = attrgetter("key.account")
_account_name = attrgetter("account")
#: A mask of 0/1 bytes, each flipped.
_NEGATE = bytes([1, 0]) + bytes(254)
_eager_keys_of = attrgetter("eager_keys")


def _typical_length(lengths: Iterable[int], share: float = 0.9) -> int:
    """The length that ``share`` of ``lengths`` fit in: one outlier must not evict columns."""
    lengths = Counter(lengths)
    total, covered = sum(lengths.values()), 0
    for length in sorted(lengths):
        covered += lengths[length]
        if covered >= share * total:
            return length
    return 0


def _find_image(rows: Sequence[ImageRow], image: Image) -> int | None:
    """The index of the row for the same image as ``image`` (by id, region and account:
    comparing ``ImageKey`` dataclasses costs twice as much)."""
    image_id, region, account = image.image_id, image.region, image.account
    for index, row in enumerate(rows):
        found = row.image
        if found.image_id == image_id and found.region == region and found.account == account:
            return index
    return None


def _fit(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells: truncated with an ellipsis, or padded."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    pad = " " * (width - length)
    return pad + text if right else text + pad
