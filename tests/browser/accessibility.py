"""axe-core in the browser tests: inject the vendored checker, fail on serious or critical violations.

The checker is evaluated through the DevTools protocol (``page.evaluate``), not
added as a ``<script>``, so the pages keep their Content Security Policy and a
violation of it still shows up as a console error in the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
BLOCKING = {"serious", "critical"}


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's serious and critical findings on the page as it is now (WCAG 2 A/AA and best practice)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await window.axe.run(document, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
            resultTypes: ["violations"]
          });
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary)
          }));
        }"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


def assert_accessible(page: Any, screen: str) -> None:
    """No serious or critical axe violation on ``screen`` (its name is in the failure message)."""
    found = violations(page)
    assert found == [], f"{screen}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][:5]}" for v in found
    )


def small_targets(page: Any, selector: str = "a, button, input, select, textarea, summary") -> list[str]:
    """Visible interactive elements smaller than 44×44 CSS px (WCAG 2.5.5), described for the message.

    A control inside a ``<label>``, or named by one (``for=``), is measured by the larger of itself and
    its label, which a tap on works the same (the attachment picker's file input hides behind its
    label); links
    inside a message's text are inline targets, which WCAG 2.5.8 exempts.
    """
    found: list[str] = page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector))
            .filter(n => n.offsetParent !== null && n.type !== "hidden" && !n.closest(".text"))
            .map(n => [n, [n, n.closest("label"), ...(n.labels || [])].filter(Boolean)
                .map(e => e.getBoundingClientRect())
                .reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a))])
            .filter(([n, r]) => r.width < 44 || r.height < 44)
            .map(([n, r]) => `${n.tagName.toLowerCase()}#${n.id} `
                             + `«${(n.textContent || n.value || "").trim().slice(0, 30)}» `
                             + `${Math.round(r.width)}×${Math.round(r.height)}`)""",
        selector,
    )
    return found
