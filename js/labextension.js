// tfgrade-card: a JupyterLab 4 / Notebook 7 extension that shows tfgrade's results card from the
// Report JSON in the output (application/vnd.tfgrade.report+json), so it needs no kernel.
//
// Why: a card's output holds the widget view, the HTML card and the Report. JupyterLab prefers the
// widget view, and in a notebook reopened without its kernel the widget's model is gone, so
// ipywidgets shows "Error displaying widget: model not found" in place of every card. This renderer
// ranks above the widget view in each notebook, draws the card with the same render.js as the
// widget, and mounts the live widget (through the notebook's own widget-view renderer) only when
// the running kernel holds its model; otherwise "Re-run checks" is shown disabled, with the reason.
import { Panel, Widget } from "@lumino/widgets";

import { applyAction, initialState, renderCard } from "./render.js";
import "./widget.css";

const REPORT_MIME = "application/vnd.tfgrade.report+json";
const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
const RANK = -20;   // ipywidgets registers its widget-view renderer at -10: lower ranks win

/**
 * Resolves with the widget-view renderer factory that ipywidgets registers for this notebook once
 * its kernel is ready. The factory the notebook's rendermime inherits from the application's
 * makes renderers without a widget manager (ipywidgets hands them one later, but only those that
 * sit directly in an output area), so only a factory added to this notebook's rendermime counts.
 */
function widgetFactoryWatcher(rendermime) {
  const waiting = [];
  let registered = null;
  const addFactory = rendermime.addFactory.bind(rendermime);
  rendermime.addFactory = (factory, rank) => {
    addFactory(factory, rank);
    if ((factory.mimeTypes || []).includes(WIDGET_MIME)) {
      registered = factory;
      waiting.splice(0).forEach((resolve) => resolve(factory));
    }
  };
  return () => (registered ? Promise.resolve(registered) : new Promise((resolve) => waiting.push(resolve)));
}

/** The ipywidgets manager behind a widget-view renderer (a private field: absent means unknown). */
async function managerOf(liveRenderer) {
  const delegate = liveRenderer._manager;
  return delegate && delegate.promise ? delegate.promise : null;
}

function nextSignal(signal) {
  return new Promise((resolve) => {
    const once = () => { signal.disconnect(once); resolve(); };
    signal.connect(once);
  });
}

class CardRenderer extends Panel {
  constructor(options, widgetFactory) {
    super();
    this.addClass("tfgrade-rendered");
    this._options = options;
    this._widgetFactory = widgetFactory;
    this._static = new Widget();
    this._static.addClass("tfgrade-widget");
    this._static.node.addEventListener("click", (event) => this._onClick(event));
    this.addWidget(this._static);
    this._live = null;
    this._liveModelId = null;
    this._report = null;
    this._state = null;
  }

  async renderModel(model) {
    const report = model.data[REPORT_MIME];
    const view = model.data[WIDGET_MIME];
    // JupyterLab calls renderModel again on this renderer when the display is updated (a hint
    // revealed, a re-run): the live widget, if mounted for the same model, renders it itself.
    if (this._live && view && view.model_id === this._liveModelId) {
      this._report = report;
      await this._live.renderModel(model);
      return;
    }
    if (this._live) {
      this._live.dispose();
      this._live = null;
      this._static.show();
    }
    this._report = report;
    this._state = { ...initialState(report), canRerun: false, rerunUnavailable: false };
    this._drawStatic();
    if (view && view.model_id && model.trusted) {
      const live = await this._liveRenderer(view.model_id);
      if (live && !this.isDisposed) {
        this._liveModelId = view.model_id;
        await this._mountLive(live, model);
        return;
      }
      this._state = { ...this._state, rerunUnavailable: true };   // its kernel does not hold it: a saved card
      this._drawStatic();
    }
  }

  _drawStatic() {
    if (!this._report || this.isDisposed) return;
    this._static.node.replaceChildren(renderCard(this.node.ownerDocument, this._report, this._state));
  }

  _onClick(event) {
    const target = event.target.closest("[data-action]");
    if (!target || target.disabled || !this._report) return;
    const action = { type: target.getAttribute("data-action"), checkId: target.getAttribute("data-check-id") };
    if (action.type === "rerun") return;   // a saved card has nothing to re-run with
    this._state = applyAction(this._state, this._report, action);
    this._drawStatic();
  }

  /** A widget-view renderer for `modelId` when the running kernel holds that model, else null. */
  async _liveRenderer(modelId) {
    const factory = await this._widgetFactory();
    if (!factory || this.isDisposed) return null;
    const live = factory.createRenderer({ ...this._options, mimeType: WIDGET_MIME });
    const manager = await managerOf(live);
    if (manager && !manager.has_model(modelId) && !manager.restoredStatus && manager.restored) {
      await nextSignal(manager.restored);   // a page reload: widgets come back from the kernel first
    }
    // A model restored from widget state saved in the notebook is not one the kernel holds:
    // it has no live comm, and nothing would answer "Re-run checks".
    const widgetModel = manager && manager.has_model(modelId) ? await manager.get_model(modelId).catch(() => null) : null;
    if (!widgetModel || !widgetModel.comm_live || this.isDisposed) {
      live.dispose();
      return null;
    }
    return live;
  }

  async _mountLive(live, model) {
    this._live = live;
    // ipywidgets hides its renderer when the widget is closed (a kernel restart): the card stays.
    const hide = live.hide.bind(live);
    live.hide = () => {
      hide();
      this._state = { ...this._state, rerunUnavailable: true };
      this._drawStatic();
      this._static.show();
    };
    this._static.hide();
    this.addWidget(live);
    await live.renderModel(model);
  }
}

const plugin = {
  id: "tfgrade-card:plugin",
  description: "Shows tfgrade's results card from its Report, with or without a kernel.",
  autoStart: true,
  activate(app) {
    app.docRegistry.addWidgetExtension("Notebook", {
      createNew(panel) {
        const rendermime = panel.content.rendermime;
        const widgetFactory = widgetFactoryWatcher(rendermime);
        rendermime.addFactory({
          safe: true,                       // render.js writes text only (textContent), never markup
          mimeTypes: [REPORT_MIME],
          defaultRank: RANK,
          createRenderer: (options) => new CardRenderer(options, widgetFactory),
        }, RANK);
      },
    });
  },
};

export default plugin;
