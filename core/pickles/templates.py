"""A fast path for ``.dill`` files that differ from one already read only in data.

The jobs of one script pickle to files that are byte for byte the same except for a few
literals: the job's name and path, the names in ``results.files``, the time stamps of the
status log and the status. :func:`plams_core.pickles.reader.read_dill` runs every file through
the checking unpickler (~40 us each, most of a listing's time); this module proves, in a
few microseconds, that a file is one of those siblings of a file that was read in full, and
answers for it what the full reader would.

The proof
---------
A *template* is made from a file the full reader found ``ok``. The template's opcodes are
followed once, symbolically (:func:`pickletools.genops`, pure Python, no object built), to
find its *data literals*: ``SHORT_BINUNICODE``, ``BINUNICODE``, ``SHORT_BINBYTES`` and the
fixed-size numbers ``BINFLOAT``, ``BININT1``, ``BININT2``, ``BININT`` (the coordinates of an
AMS job's molecule) whose value reaches nothing at load time but data positions: dict
values (SETITEM/SETITEMS, DICT), list and set items (APPEND/APPENDS/ADDITEMS, LIST,
FROZENSET) and BUILD state, directly or inside tuples, of objects that are never handed to
a call or used as one (an object handed to a call *taints*: all reachable from it, and all
stored into it later, is pinned); also the arguments of ``datetime.*`` and of PLAMS's and
plams_core's enum classes (time stamps, the status), and what is handed to their
``Settings`` classes (which copy it) or to ``types.MethodType`` (which binds it), which
becomes data of the result. A literal used as a key or a global's name, or that reaches
any other call, through any of the references the memo gives it, is *pinned*. The template is the
file cut into constant bytes and the data literals between them.

A file matches when it is exactly those constant bytes with a well-formed literal of the
same opcode in each gap (for a number, the same number of bytes), and a single FRAME whose
length is the rest of the file. It then runs the same opcodes with the same memo indices,
names the same globals and makes the same calls with the same arguments, except for
strings, bytes and numbers that are only stored as data. Whether loading runs code does not
depend on such values: nothing the full reader allows looks into a stored value (templates
that name the few globals whose checks do, like ``_create_namedtuple``, are not made), and
installed code that receives them (``__setstate__``, the enum lookup) is trusted by the
full reader too. So the verdict is the template's (``ok``), and the class too; the status is
read from its literal. Which literal holds the status is found by running the full reader
on the template with every data string replaced by a marker, so the fields come from the
same code as always. Anything else, including text that is not valid UTF-8, goes to the
full reader.

Matching walks the literals one by one (~0.4 us each in Python). Siblings mostly differ in
the values of their literals, not their lengths, so a file that matched also leaves a
*layout* (:class:`_Layout`): with the lengths fixed, every byte outside the payloads is
fixed too (length fields and the FRAME's length included), and a later file of the same
length is checked as one integer, ``(file ^ layout) & mask == 0``, plus
``file & high == 0`` for "all text is ASCII". That accepts exactly the files the walk
accepts with those lengths: the same proof, ~3x faster (16 -> 5 us a file on 20,000 real
PLAMS jobs, both folder shapes of bench/). At most :data:`MAX_LAYOUTS` per template and
:data:`MAX_LAYOUTS_PER_SIZE` per file length; other files take the walk.

Templates are only made from files with no MultiJob children, up to :data:`MAX_TEMPLATES`
per process, and a process stops making them after :data:`MAX_BUILDS` tries, so a folder of
unrelated pickles costs at most ~25 ms more per reading process.
"""

from __future__ import annotations

import operator
import pickletools
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from .allowlist import (
    BINDING_GLOBALS,
    ENUM_MODULES,
    TIMESTAMP_GLOBALS,
    VALUE_CHECKED_GLOBALS,
    is_settings_class,
    loaded_type,
    normal_module,
)
from .reader import max_memo_index

__all__ = [
    "DillTemplates",
    "MAX_BUILDS",
    "MAX_LAYOUTS",
    "MAX_LAYOUTS_PER_SIZE",
    "MAX_TEMPLATES",
    "MAX_TEMPLATE_BYTES",
    "MAX_TRIES",
]

#: Templates kept per process; a working folder of one script needs a handful.
MAX_TEMPLATES = 32
#: Attempts to make a template per process (each costs ~0.6-0.8 ms, most of it following the
#: opcodes in pure Python): at most ~25 ms per process on a folder where none pays.
MAX_BUILDS = 32
#: Templates tried per file.
MAX_TRIES = 8
#: Larger files are not made templates (a job pickle is a few KiB; a template keeps its bytes).
MAX_TEMPLATE_BYTES = 1 << 16
#: Layouts (one per combination of literal lengths) kept per template, and per file length.
MAX_LAYOUTS = 64
MAX_LAYOUTS_PER_SIZE = 4

# Literal opcodes a slot may hold: the size of their length field, or minus the size of a
# fixed-size argument (numbers: coordinates, counts). A number of another size is another
# opcode, so it does not match.
_SLOT_OPS = {
    "SHORT_BINUNICODE": 1,
    "BINUNICODE": 4,
    "SHORT_BINBYTES": 1,
    "BINFLOAT": -8,
    "BININT1": -1,
    "BININT2": -2,
    "BININT": -4,
}
_TEXT_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE"})
# The names below come from the allowlist the full reader uses (.allowlist):
# - calls whose literal arguments are data: time stamps (TIMESTAMP_GLOBALS) and the values
#   of the enum classes of ENUM_MODULES (the status);
# - Settings classes (SETTINGS_MODULES) called with a dict, which they copy, and
#   BINDING_GLOBALS (``types.MethodType``), which binds: what they get is data of the result;
# - VALUE_CHECKED_GLOBALS, whose checks in the full reader look at the values they get: a
#   template naming one is not made (belt and braces: values handed to a call are pinned
#   anyway). Module names as normal_module spells them (``__builtin__`` -> ``builtins``).


class _Lit:
    """A literal the template pushes: where it is, and whether it may vary."""

    __slots__ = ("index", "op", "pos", "value", "pinned")

    def __init__(self, index: int, op: str, pos: int, value: Any) -> None:
        self.index, self.op, self.pos, self.value, self.pinned = index, op, pos, value, False


class _Tuple:
    """A tuple: immutable, its items are known."""

    __slots__ = ("items",)

    def __init__(self, items: list[Any]) -> None:
        self.items = items


class _Box:
    """Any other object (container, call result, global): what was stored into it as data.

    Once it is handed to a call (or used as one) it is *tainted*: everything reachable from
    it is pinned, and so is whatever is stored into it later (the callee may keep it).
    """

    __slots__ = ("items", "tainted", "key")

    def __init__(self, key: tuple[str, str] | None = None) -> None:
        self.items: list[Any] = []
        self.tainted = False
        self.key = key  # (module, name) of a global


_MARK = object()


def _pin(tok: Any) -> None:
    """*tok*'s value reaches code: pin every literal reachable from it."""
    todo = [tok]
    while todo:
        t = todo.pop()
        kind = type(t)
        if kind is _Lit:
            t.pinned = True
        elif kind is _Tuple:
            todo.extend(t.items)
        elif kind is _Box and not t.tainted:
            t.tainted = True
            todo.extend(t.items)


def _data(owner: Any, tok: Any) -> None:
    """*tok* is stored into *owner* as data (a dict value, a list/set item, BUILD state)."""
    if type(owner) is _Box and not owner.tainted:
        owner.items.append(tok)
    else:
        _pin(tok)


class _Unfit(Exception):
    """The file cannot be a template."""


def _analyse(data: bytes) -> tuple[list[_Lit], int | None]:
    """Follow the opcodes of *data*; return its literals (pinned or not) and its FRAME's position.

    A literal stays free only if its value is reachable at load time through data positions
    alone: dict values, list and set items and BUILD state of objects that are never handed
    to a call or used as one - or as an argument of the enum and datetime calls
    (:data:`~.allowlist.TIMESTAMP_GLOBALS`, :data:`~.allowlist.ENUM_MODULES`). Tokens are shared through the memo, so
    every use of a value is seen.
    """
    stack: list[Any] = []
    memo: dict[int, Any] = {}
    lits: list[_Lit] = []
    frame_at: int | None = None
    frames = 0

    def pop_mark() -> list[Any]:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is _MARK:
                items = stack[i + 1 :]
                del stack[i:]
                return items
        raise _Unfit("no mark")

    for op, arg, pos in pickletools.genops(data):
        name = op.name
        if name in _SLOT_OPS:
            lit = _Lit(len(lits), name, pos, arg)  # type: ignore[arg-type]  # genops on bytes: pos is always an int
            lits.append(lit)
            stack.append(lit)
        elif name == "FRAME":
            frames += 1
            frame_at = pos
        elif name == "PROTO":
            pass
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]  # type: ignore[index]  # PUT's arg is its int memo key
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            # The same token again: whatever consumes it applies its rule to the shared token,
            # so a value stored as data once and handed to a call later is pinned all the same.
            stack.append(memo[arg])  # type: ignore[index]  # GET's arg is its int memo key
        elif name == "MARK":
            stack.append(_MARK)
        elif name == "STACK_GLOBAL":
            gname, module = stack.pop(), stack.pop()
            _pin(gname)
            _pin(module)
            key = None
            if type(module) is _Lit and type(gname) is _Lit and type(module.value) is str:
                key = (normal_module(module.value), gname.value)
            if key is None or key in VALUE_CHECKED_GLOBALS:
                raise _Unfit("a global the fast path does not cover")
            stack.append(_Box(key))
        elif name == "GLOBAL":
            module, _, gname = str(arg).partition(" ")
            key = (normal_module(module), gname)
            if key in VALUE_CHECKED_GLOBALS:
                raise _Unfit("a global the fast path does not cover")
            stack.append(_Box(key))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = stack[-n:]
            if len(items) != n or _MARK in items:
                raise _Unfit("a short stack")
            del stack[-n:]
            stack.append(_Tuple(items))
        elif name == "TUPLE":
            stack.append(_Tuple(pop_mark()))
        elif name == "EMPTY_TUPLE":
            stack.append(_Tuple([]))
        elif name in ("EMPTY_LIST", "EMPTY_DICT", "EMPTY_SET"):
            stack.append(_Box())
        elif name == "APPEND":
            value = stack.pop()
            _data(stack[-1], value)
        elif name in ("APPENDS", "ADDITEMS"):
            items = pop_mark()
            for item in items:
                _data(stack[-1], item)
        elif name == "SETITEM":
            value, key = stack.pop(), stack.pop()
            _pin(key)
            _data(stack[-1], value)
        elif name == "SETITEMS":
            items = pop_mark()
            for key in items[0::2]:
                _pin(key)
            for value in items[1::2]:
                _data(stack[-1], value)
        elif name in ("LIST", "FROZENSET", "DICT"):
            items = pop_mark()
            box = _Box()
            if name == "DICT":
                for key in items[0::2]:
                    _pin(key)
                items = items[1::2]
            for item in items:
                _data(box, item)
            stack.append(box)
        elif name == "REDUCE":
            args, func = stack.pop(), stack.pop()
            key = func.key if type(func) is _Box else None
            result = _Box()
            if (
                key is not None
                and type(args) is _Tuple
                and (key in TIMESTAMP_GLOBALS or key[0] in ENUM_MODULES)
            ):
                for item in args.items:  # time stamps, status values: literals stay free
                    if type(item) is not _Lit:
                        _pin(item)
            elif (
                key is not None
                and type(args) is _Tuple
                and (key in BINDING_GLOBALS or is_settings_class(*key))
            ):
                for item in args.items:  # Settings(dict) copies, MethodType(f, obj) binds: data of the result
                    if type(item) is _Box:
                        _data(result, item)
                    else:
                        _pin(item)
            else:
                _pin(args)
                if (
                    key == ("dill._dill", "_load_type")
                    and type(args) is _Tuple
                    and len(args.items) == 1
                    and type(args.items[0]) is _Lit
                    and type(args.items[0].value) is str
                ):
                    result.key = loaded_type(args.items[0].value)  # a global by another name
                    if result.key in VALUE_CHECKED_GLOBALS:
                        raise _Unfit("a global the fast path does not cover")
            _pin(func)
            stack.append(result)
        elif name == "BUILD":
            state = stack.pop()
            obj = stack[-1]
            if type(state) is _Tuple:  # (state, slotstate): the dicts are data, anything else is not
                for part in state.items:
                    if type(part) is _Box:
                        _data(obj, part)
                    else:
                        _pin(part)
            elif type(state) is _Box:
                _data(obj, state)
            else:
                _pin(state)
        elif name == "DUP":  # the same object twice: what is stored into one copy is in the other
            tok = stack[-1]
            _pin(tok)
            stack.append(tok)
        elif name == "STOP":
            stack.clear()  # the job goes to the caller: nothing of it runs at load time
        else:  # everything else: whatever it takes reaches code; what it pushes is a new object
            # (no other opcode passes an object through: they build, call or import)
            if any(s.name == "mark" for s in op.stack_before):
                for tok in pop_mark():
                    _pin(tok)
                taken = [s for s in op.stack_before if s.name not in ("mark", "stackslice")]
            else:
                taken = op.stack_before
            for _ in taken:
                _pin(stack.pop())
            stack.extend(_Box() for _ in op.stack_after)
    if frames > 1:
        raise _Unfit("several frames")
    return lits, frame_at


class _Layout(NamedTuple):
    """A template's file whose literals have given lengths: every byte but their payloads is fixed.

    :meth:`_Template.match` walks the slots one by one (a Python loop, ~0.4 us a slot). But
    siblings mostly differ in the *values* of their literals, not their lengths (``job7`` and
    ``job8``, time stamps, statuses). Once a file of some length has matched, the lengths of
    its literals fix where every constant byte is, and the length fields and the FRAME's
    length are constant too. A file of the same length with the same bytes outside the
    payloads is then exactly a file :meth:`_Template.match` accepts with the same slot
    positions. The file is compared as one integer: ``(file ^ bytes) & mask == 0``, where
    *mask* has ``0xff`` at every constant byte; and ``file & high == 0`` (``0x80`` at every
    byte of a text payload) says that all text is ASCII, hence valid UTF-8. Three big-int
    operations in C, whatever the number of literals.
    """

    bytes: int  # the file that made the layout, little-endian
    mask: int  # 0xff at the constant bytes
    high: int  # 0x80 at the bytes of text payloads
    texts: tuple[slice, ...]  # the text payloads, to decode when they are not ASCII
    status: slice | None  # the status payload


#: What :meth:`DillTemplates.save` answers for a job whose settings have no ``save``.
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()
#: A template that cannot answer for ``save`` (the full reader must).
NO_ANSWER: Any = type("NoAnswer", (), {"__repr__": lambda self: "NO_ANSWER"})()


class _Template:
    """Constant byte runs with a data literal between each two.

    Numbers have a fixed size, so between two length-prefixed literals every offset is
    known: such a *segment* is checked with one ``itemgetter`` of all its constant runs (C
    code; an AMS job's 600 coordinates cost one call instead of 600 comparisons).
    """

    __slots__ = (
        "segments",
        "frame_end",
        "class_name",
        "status",
        "status_slot",
        "text_slots",
        "n_slots",
        "max_memo",
        "layouts",
        "n_layouts",
        "save",
    )

    def __init__(
        self,
        consts: list[bytes],
        slots: list[int],
        frame_end: int | None,
        class_name: str | None,
        status: str | None,
        status_slot: int | None,
        text_slots: tuple[int, ...],
        max_memo: int = -1,
        save: Any = NO_ANSWER,
    ) -> None:
        # consts: len(slots) + 1 runs; slots: each slot's length-field size (1 or 4), or minus
        # the size of a fixed-size number. The FRAME's 8-byte length (inside consts[0], ending
        # at frame_end) is skipped by the comparison and checked against the file's length.
        # (size, getter, expected, width, slot, holes) each; holes: (offset, size, slot) of its numbers
        segments: list[tuple[int, Any, Any, int, int, tuple[tuple[int, int, int], ...]]] = []
        pieces: list[tuple[int, bytes]] = []
        holes: list[tuple[int, int, int]] = []
        size = 0

        def add(run: bytes) -> None:
            nonlocal size
            if run:
                pieces.append((size, run))
            size += len(run)

        def close(width: int, slot: int) -> None:
            nonlocal pieces, size, holes
            expected: bytes | tuple[bytes, ...]
            if len(pieces) == 1 and pieces[0][0] == 0 and len(pieces[0][1]) == size:
                getter, expected = None, pieces[0][1]  # one run: a startswith
            else:
                getter = operator.itemgetter(*(slice(o, o + len(r)) for o, r in pieces), slice(0, 0))
                expected = (*(r for _, r in pieces), b"")  # the empty slice keeps it a tuple
            segments.append((size, getter, expected, width, slot, tuple(holes)))
            pieces, holes, size = [], [], 0

        if frame_end is not None:
            add(consts[0][: frame_end - 8])
            size += 8
            add(consts[0][frame_end:])
        else:
            add(consts[0])
        for i, (width, const) in enumerate(zip(slots, consts[1:])):  # noqa: B905
            if width < 0:
                holes.append((size, -width, i))
                size -= width
            else:
                close(width, i)
            add(const)
        close(0, -1)
        self.segments = segments
        self.frame_end = frame_end
        self.class_name = class_name
        self.status = status
        self.status_slot = status_slot
        self.text_slots = text_slots
        self.n_slots = len(slots)
        # The largest memo index the opcodes store into: a sibling has the same ones, and the
        # full reader refuses a file not longer than its largest index (reader._memo_overreach).
        self.max_memo = max_memo
        # file length -> layouts of files of that length (see _Layout)
        self.layouts: dict[int, list[_Layout]] = {}
        self.n_layouts = 0
        # settings.save as the marked file reads it: constants, and "zqNqz" for slot N's text
        # (ABSENT: no save in the settings; NO_ANSWER: not read from this template).
        self.save = save

    def match(self, data: bytes) -> list[bytes | None] | None:
        """The length-prefixed slot values of *data* (None for numbers), or None if it is not
        this template with other data."""
        frame_end = self.frame_end
        if len(data) <= self.max_memo:
            return None  # the full reader says why (a memo index beyond the file)
        if (
            frame_end is not None
            and int.from_bytes(data[frame_end - 8 : frame_end], "little") != len(data) - frame_end
        ):
            return None
        values: list[bytes | None] = [None] * self.n_slots
        pos = 0
        for size, getter, expected, width, slot, _ in self.segments:
            if getter is None:
                if not data.startswith(expected, pos):
                    return None
            elif getter(data[pos : pos + size]) != expected:
                return None
            pos += size
            if width == 1:
                if pos >= len(data):
                    return None
                n = data[pos]
                pos += 1
            elif width == 4:
                n = int.from_bytes(data[pos : pos + 4], "little")
                pos += 4
            else:  # the last segment
                break
            end = pos + n
            if end > len(data):
                return None
            values[slot] = data[pos:end]
            pos = end
        return values if pos == len(data) else None

    def layout_of(self, data: bytes) -> _Layout:
        """The layout of *data*, a file :meth:`match` accepted (see :class:`_Layout`)."""
        spans: list[tuple[int, int]] = [(0, 0)] * self.n_slots  # every slot's payload
        pos = 0
        for size, _, _, width, slot, holes in self.segments:
            for offset, n, hole in holes:
                spans[hole] = (pos + offset, pos + offset + n)
            pos += size
            if width == 1:
                n = data[pos]
            elif width == 4:
                n = int.from_bytes(data[pos : pos + 4], "little")
            else:
                break
            pos += width
            spans[slot] = (pos, pos + n)
            pos += n
        mask = bytearray(b"\xff" * len(data))
        high = bytearray(len(data))
        for begin, end in spans:
            mask[begin:end] = bytes(end - begin)
        for i in self.text_slots:
            begin, end = spans[i]
            high[begin:end] = b"\x80" * (end - begin)
        return _Layout(
            int.from_bytes(data, "little") & int.from_bytes(mask, "little"),
            int.from_bytes(mask, "little"),
            int.from_bytes(high, "little"),
            tuple(slice(*spans[i]) for i in self.text_slots),
            None if self.status_slot is None else slice(*spans[self.status_slot]),
        )


def _build(data: bytes, load: Callable[[bytes], tuple[str, str | None, dict[str, Any] | None]]) -> _Template:
    """Make a template of *data*, which the full reader (*load*) found ok."""
    lits, frame_at = _analyse(data)
    free = [lit for lit in lits if not lit.pinned]
    if not free:
        raise _Unfit("no data literals")
    verdict, _, fields = load(data)
    if verdict != "ok" or fields is None or fields["children"]:
        raise _Unfit("not a plain ok job")
    # Cut the file: each free literal's payload (after opcode and length) becomes a slot.
    consts: list[bytes] = []
    widths: list[int] = []
    marked = bytearray()
    text_slots: list[int] = []
    start = 0
    for i, lit in enumerate(free):
        width = _SLOT_OPS[lit.op]
        header_end = lit.pos + 1 + max(width, 0)
        if width < 0:  # a number: its bytes as they are
            payload = data[header_end : header_end - width]
            if len(payload) != -width:
                raise _Unfit("a truncated number")
        else:
            payload = lit.value.encode("utf-8", "surrogatepass") if lit.op in _TEXT_OPS else bytes(lit.value)
            if data[header_end : header_end + len(payload)] != payload:
                raise _Unfit("a literal not where genops said")
        consts.append(data[start : lit.pos + 1])
        widths.append(width)
        marked += data[start : lit.pos + 1]
        if lit.op in _TEXT_OPS:
            text_slots.append(i)
            mark = f"zq{i}qz".encode()
            if width == 1:
                marked += bytes([len(mark)]) + mark
            else:
                marked += len(mark).to_bytes(4, "little") + mark
        else:
            marked += data[lit.pos + 1 : header_end + len(payload)]
        start = header_end + len(payload)
    consts.append(data[start:])
    marked += data[start:]
    frame_end = None
    if frame_at is not None:
        frame_end = frame_at + 9
        if (
            frame_end > len(consts[0])
            or int.from_bytes(data[frame_at + 1 : frame_end], "little") != len(data) - frame_end
        ):
            raise _Unfit("a frame that is not the whole file")
        marked[frame_at + 1 : frame_end] = (len(marked) - frame_end).to_bytes(8, "little")
    # Which slot is the status (the name only has to stay text: the index takes the folder's)
    m_verdict, _, m_fields = load(bytes(marked))
    if (
        m_verdict != "ok"
        or m_fields is None
        or m_fields["children"]
        or m_fields["class_name"] != fields["class_name"]
    ):
        raise _Unfit("the data literals are not only data")
    status_slot = None
    status = m_fields["status"]
    if isinstance(status, str) and status.startswith("zq") and status.endswith("qz"):
        status_slot = int(status[2:-2])
        status = None
    elif status != fields["status"]:
        raise _Unfit("a status that is neither constant nor one literal")
    # the first slot sits after the FRAME's length: the match checks that length, not its bytes
    tpl = _Template(
        consts,
        widths,
        frame_end,
        fields["class_name"],
        status,
        status_slot,
        tuple(text_slots),
        max_memo_index(data),
    )
    # settings.save (for cleaning) the same way: where the marked file's save holds markers, a
    # sibling's save holds its own literals. Kept only if it gives this file's own value back.
    shape = m_fields["settings"].get("save", ABSENT)
    values = tpl.match(data)
    try:
        if values is not None and _fill_save(shape, values) == fields["settings"].get("save", ABSENT):
            tpl.save = shape
    except (_Unfit, UnicodeError, IndexError):
        pass
    return tpl


def _fill_save(shape: Any, values: list[bytes | None]) -> Any:
    """*shape* (a save value read from a marked file) with each ``zqNqz`` marker replaced by slot N's text."""
    if shape is ABSENT or shape is None:
        return shape
    if isinstance(shape, str):
        if shape.startswith("zq") and shape.endswith("qz") and shape[2:-2].isdigit():
            value = values[int(shape[2:-2])]
            if value is None:
                raise _Unfit("a number slot")
            return value.decode("utf-8", "surrogatepass")
        return shape
    if isinstance(shape, (list, tuple)) and all(isinstance(v, str) for v in shape):
        return type(shape)(_fill_save(v, values) for v in shape)
    raise _Unfit("a save value that is neither text nor a list of text")


class DillTemplates:
    """Per-process templates: :meth:`summary` answers for a sibling of a file read in full."""

    def __init__(self, load: Callable[[bytes], tuple[str, str | None, dict[str, Any] | None]]) -> None:
        self._load = load
        self._templates: list[_Template] = []
        self._builds = 0
        self._lock = threading.Lock()
        self.hits = 0

    def summary(self, data: bytes) -> tuple[str, str | None, str | None, str | None, tuple[str, ...]] | None:
        """``(verdict, reason, class, status, children)`` if *data* matches a template, else None.

        At most :data:`MAX_TRIES` templates are tried, most recently matched first, so a file
        of no known family costs a few microseconds, not one match per template.
        """
        templates = self._templates
        size = len(data)
        from_bytes = int.from_bytes
        number: Any = None  # the file as an integer, made once if some layout has its length
        for k, tpl in enumerate(templates[:MAX_TRIES]):
            status = tpl.status
            layouts = tpl.layouts.get(size, ())
            if layouts and number is None:
                number = from_bytes(data, "little")
            for layout in layouts:
                if (number ^ layout.bytes) & layout.mask == 0:
                    if number & layout.high:  # some text is not ASCII: decode it as the unpickler would
                        try:
                            for text in layout.texts:
                                data[text].decode("utf-8", "surrogatepass")
                        except UnicodeDecodeError:
                            return None
                    if layout.status is not None:
                        status = data[layout.status].decode("utf-8", "surrogatepass").lower()
                    break
            else:
                values = tpl.match(data)
                if values is None:
                    continue
                try:
                    for i in tpl.text_slots:
                        values[i].decode("utf-8", "surrogatepass")  # type: ignore[union-attr]
                except UnicodeDecodeError:
                    return None
                if tpl.status_slot is not None:
                    status = values[tpl.status_slot].decode("utf-8", "surrogatepass").lower()  # type: ignore[union-attr]
                self._add_layout(tpl, data)
            if k:  # move to the front: jobs of one kind tend to come together
                with self._lock:
                    if k < len(templates) and templates[k] is tpl:
                        del templates[k]
                        templates.insert(0, tpl)
            self.hits += 1
            return ("ok", None, tpl.class_name, status, ())
        return None

    def _add_layout(self, tpl: _Template, data: bytes) -> None:
        """Remember the layout of *data*, which matched *tpl* (bounded per template and length)."""
        with self._lock:
            same_size = tpl.layouts.get(len(data), [])
            if tpl.n_layouts >= MAX_LAYOUTS or len(same_size) >= MAX_LAYOUTS_PER_SIZE:
                return
            tpl.layouts[len(data)] = [
                *same_size,
                tpl.layout_of(data),
            ]  # a new list: readers never see it change
            tpl.n_layouts += 1

    def save(self, data: bytes) -> Any:
        """The job's ``settings.save`` (:data:`ABSENT` if none) if *data* matches a template that knows it, else :data:`NO_ANSWER`.

        What ``read_dill(...).settings.get('save')`` gives, for a sibling of a file read in full
        (the same proof as :meth:`summary`: the verdict is ``ok``).
        """
        for tpl in self._templates[:MAX_TRIES]:
            if tpl.save is NO_ANSWER:
                continue
            values = tpl.match(data)
            if values is None:
                continue
            try:
                for i in tpl.text_slots:
                    values[i].decode("utf-8", "surrogatepass")  # type: ignore[union-attr]  # a text slot always matched
                save = _fill_save(tpl.save, values)
            except (_Unfit, UnicodeError):
                return NO_ANSWER
            self.hits += 1
            return save
        return NO_ANSWER

    def learn(self, data: bytes) -> None:
        """Try to make a template of *data*, a file the full reader found ok (bounded)."""
        if len(data) > MAX_TEMPLATE_BYTES:
            return
        with self._lock:
            if self._builds >= MAX_BUILDS or len(self._templates) >= MAX_TEMPLATES:
                return
            self._builds += 1
        try:
            tpl = _build(data, self._load)
        except (_Unfit, ValueError, KeyError, IndexError, TypeError, RecursionError, UnicodeError):
            return  # not a template: the full reader goes on answering for files like it
        with self._lock:
            if len(self._templates) < MAX_TEMPLATES:
                self._templates.insert(0, tpl)
