"""The partnership graph: actors as nodes (coloured by role, sized by valuation), contracts as
edges (kind and value), drawn with ipycytoscape.

The widget is made once per game and then changed in place: a node's data when its figures move,
a new edge when a contract is signed, an edge's class when a contract ends or is breached. Nothing
is redrawn when nothing changed. Clicking an actor calls back with its name (the page then opens
the deal builder on it).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import ipycytoscape
import solara
import traitlets

from ui.common import KIND_NAMES, ROLE_COLORS, heading
from ui.session import GameSession

ROLE_ORDER = ("lab", "designer", "foundry", "investor")
KIND_SHORT = {
    "equity": "equity",
    "loan": "loan",
    "capacity": "capacity",
    "supply": "supply",
    "joint_venture": "JV",
    "vendor_financing": "vendor fin.",
    "lease": "lease",
}
ALL = "all"

STYLE = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "background-color": "data(color)",
            "width": "data(size)",
            "height": "data(size)",
            "text-wrap": "wrap",
            "text-valign": "bottom",
            "text-margin-y": 4,
            "font-size": 14,
            "color": "#222",
            "border-width": "data(border)",
            "border-color": "#111",
        },
    },
    {"selector": "node.insolvent", "style": {"background-color": "#9e9e9e", "opacity": 0.6}},
    {
        "selector": "edge",
        "style": {
            "width": "data(width)",
            "curve-style": "bezier",
            "target-arrow-shape": "triangle",
            "arrow-scale": 0.8,
            "line-color": "data(color)",
            "target-arrow-color": "data(color)",
            "label": "data(label)",
            "font-size": 12,
            "color": "#333",
            "text-rotation": "autorotate",
            "text-background-color": "#fff",
            "text-background-opacity": 0.8,
            "text-background-padding": 1,
        },
    },
    {"selector": "edge.completed", "style": {"opacity": 0.35, "line-style": "dotted"}},
    {"selector": "edge.finished", "style": {"opacity": 0.35, "line-style": "dotted"}},
    {
        "selector": "edge.breached",
        "style": {
            "line-style": "dashed",
            "line-color": "#c62828",
            "target-arrow-color": "#c62828",
            "color": "#c62828",
        },
    },
    {"selector": "edge.failed", "style": {"display": "none"}},
    {"selector": "edge.hidden", "style": {"display": "none"}},
]

EDGE_COLORS = {
    "equity": "#8d6e63",
    "loan": "#ef6c00",
    "capacity": "#1565c0",
    "supply": "#2e7d32",
    "joint_venture": "#00838f",
    "vendor_financing": "#ad1457",
    "lease": "#6d4c41",
}


def positions(actors: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Actors around a circle, grouped by role (lab, designer, foundry, investor)."""
    ordered = sorted(actors, key=lambda a: (ROLE_ORDER.index(a[1]) if a[1] in ROLE_ORDER else 9, 0))
    n = max(1, len(ordered))
    r = 120 + 10 * n
    out = {}
    for i, (name, _) in enumerate(ordered):
        t = -math.pi / 2 + 2 * math.pi * i / n
        out[name] = {"x": round(r * math.cos(t), 1), "y": round(r * math.sin(t), 1)}
    return out


def node_data(n: dict[str, Any], player: str | None) -> dict[str, Any]:
    # log-sized and capped, so that a $1T actor does not swallow its neighbours' labels
    size = 22 + 9 * math.log1p(max(0.0, n["valuation"]) / 10.0)
    return {
        "id": n["id"],
        "label": f"{n['id']}\n${n['valuation']:,.0f}B",
        "role": n["role"],
        "color": ROLE_COLORS.get(n["role"], "#999"),
        "size": round(min(size, 64.0), 1),
        "border": 3 if n["id"] == player else 0,
        "tooltip": html.escape(
            f"{n['id']} ({n['role']})\nvaluation ${n['valuation']:,.1f}B\n"
            f"cash ${n['cash']:,.1f}B" + ("\ninsolvent" if n["insolvent"] else "")
        ),
    }


def edge_data(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"c{e['id']}",
        "source": e["source"],
        "target": e["target"],
        "label": f"{KIND_SHORT.get(e['kind'], e['kind'])} ${e['value']:,.1f}B",
        "kind": e["kind"],
        "color": EDGE_COLORS.get(e["kind"], "#999"),
        "width": round(min(8.0, 1.0 + math.log1p(max(0.0, e["value"]))), 2),
        "tooltip": html.escape(
            f"contract #{e['id']}: {KIND_NAMES.get(e['kind'], e['kind'])}\n"
            f"{e['source']} → {e['target']}, ${e['value']:,.2f}B\n{e['status']}"
        ),
    }


class _Cytoscape(ipycytoscape.CytoscapeWidget):  # type: ignore[misc]  # untyped library
    """ipycytoscape's widget without its leak: its ``__init__`` replaces the ``Graph`` widget
    made as the trait's default, which then lives (open) as long as the page."""

    @traitlets.default("graph")
    def _first_graph(self) -> Any:
        self._replaced = ipycytoscape.Graph()
        return self._replaced

    def __init__(self) -> None:
        super().__init__()
        first = getattr(self, "_replaced", None)
        if first is not None and first is not self.graph:
            first.close()


def edge_class(e: dict[str, Any], kind: str = ALL, actor: str = ALL) -> str:
    """An edge's classes: its status, and ``hidden`` when the filter leaves it out."""
    shown = (kind in (ALL, e["kind"])) and (actor in (ALL, e["source"], e["target"]))
    return f"directed {e['status']}" + ("" if shown else " hidden")


class GraphWidget:
    """The cytoscape widget of one game and what it shows now (to change only what moved)."""

    def __init__(self, session: GameSession, on_click: Callable[[str], None] | None) -> None:
        self.session: GameSession | None = session  # None once closed
        self.on_click = on_click
        self.widget = _Cytoscape()
        self.widget.set_style(STYLE)
        self.widget.set_layout(name="preset", fit=True, padding=40, animate=False)
        self.widget.wheel_sensitivity = 0.3
        self.widget.tooltip_source = "tooltip"  # a click on an actor or a contract: details
        self.widget.min_zoom = 0.3
        self.widget.max_zoom = 3.0
        # Sized by a CSS class, not widget.layout (see docs/ui-setup.md, pitfall 4).
        self.widget.add_class("fr-graph")
        self.nodes: dict[str, ipycytoscape.Node] = {}
        self.edges: dict[int, ipycytoscape.Edge] = {}
        self.updates = 0  # how many times anything was pushed to the browser (for tests)
        if on_click is not None:
            self.widget.on("node", "click", self._clicked)
        self.update()

    def close(self) -> None:
        """Close the widgets (a widget lives as long as its page unless closed, and the click
        handler holds the game): called when the panel goes, e.g. on New game."""
        self.on_click = None
        self.session = None
        for w in [*self.nodes.values(), *self.edges.values()]:
            w.close()
        self.nodes.clear()
        self.edges.clear()
        self.widget.graph.close()
        self.widget.layout.close()
        self.widget.close()

    def _clicked(self, node: dict[str, Any]) -> None:
        name = node.get("data", {}).get("id")
        if name and self.on_click is not None:
            self.on_click(name)

    def update(
        self, view: tuple[Any, Any] | None = None, kind: str = ALL, actor: str = ALL
    ) -> bool:
        """Bring the drawing up to date with ``view`` (default: the session's graph now) and
        the filter (a deal kind, an actor, or ``all``); True if anything changed."""
        session = self.session
        if session is None:
            return False  # closed
        nodes, edges = view if view is not None else session.graph_view()
        changed = False
        player = session.seat
        if not self.nodes:
            pos = positions([(n["id"], n["role"]) for n in nodes])
            new = []
            for n in nodes:
                node = ipycytoscape.Node(data=node_data(n, player), position=pos[n["id"]])
                node.classes = "insolvent" if n["insolvent"] else ""
                self.nodes[n["id"]] = node
                new.append(node)
            self.widget.graph.add_nodes(new)
            changed = True
        else:
            for n in nodes:
                node = self.nodes[n["id"]]
                data = node_data(n, player)
                if dict(node.data) != data:
                    node.data = data
                    changed = True
                cls = "insolvent" if n["insolvent"] else ""
                if node.classes != cls:
                    node.classes = cls
                    changed = True
        new_edges = []
        for e in edges:
            edge = self.edges.get(e["id"])
            cls = edge_class(e, kind, actor)
            if edge is None:
                edge = ipycytoscape.Edge(data=edge_data(e), classes=cls)
                self.edges[e["id"]] = edge
                new_edges.append(edge)
            elif edge.classes != cls:
                edge.classes = cls
                changed = True
        if new_edges:
            self.widget.graph.add_edges(new_edges, directed=True, multiple_edges=True)
            changed = True
        if changed:
            self.updates += 1
        return changed


def legend() -> None:
    roles = "".join(
        f'<span style="margin-right:10px"><span class="fr-dot" style="background:{c}">'
        f"</span>{r}</span>"
        for r, c in ROLE_COLORS.items()
    )
    kinds = "".join(
        f'<span style="margin-right:10px;color:{EDGE_COLORS[k]}">&#8594; {v}</span>'
        for k, v in KIND_NAMES.items()
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"{roles}<br>{kinds}<br>Node size: valuation (capped). "
        "Faded and dotted: completed; dashed red: breached.",
        classes=["fr-muted"],
    )


def graph_props(session: GameSession) -> tuple[Any, Any]:
    """The graph's data (compared between renders: an unchanged graph is not redrawn)."""
    nodes, edges = session.graph_view()
    return tuple(nodes), tuple(edges)


@solara.component
def PartnershipGraph(
    session: GameSession,
    nodes: tuple[dict[str, Any], ...],
    edges: tuple[dict[str, Any], ...],
    on_select: Callable[[str], None] | None = None,
) -> None:
    """The graph panel, drawing ``graph_props(session)``."""
    graph = solara.use_memo(lambda: GraphWidget(session, on_select), dependencies=[session])
    solara.use_effect(lambda: graph.close, dependencies=[graph])  # closed when it goes
    if graph.on_click is not on_select:
        graph.on_click = on_select
    kind = solara.use_reactive(ALL)
    actor = solara.use_reactive(ALL)
    solara.use_memo(
        lambda: graph.update((nodes, edges), kind.value, actor.value),
        dependencies=[graph, nodes, edges, kind.value, actor.value],
    )
    with solara.Column(classes=["fr-panel"], gap="4px"):
        heading("Partnership graph")
        solara.Text(
            "Click an actor to make it a deal (and see its figures); click a contract for "
            "its terms."
            if on_select is not None
            else "Click an actor or a contract for its figures.",
            classes=["fr-muted"],
        )
        with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Select(
                label="Show contracts",
                values=[ALL, *KIND_NAMES],
                value=kind,
                dense=True,
                style={"max-width": "190px"},
                classes=["fr-filter-kind"],
            )
            solara.Select(
                label="Of actor",
                values=[ALL, *(n["id"] for n in nodes)],
                value=actor,
                dense=True,
                style={"max-width": "170px"},
                classes=["fr-filter-actor"],
            )
        # a ready-made widget goes in as a child (solara.display prints its repr in tests)
        solara.Column(children=[graph.widget])
        legend()
