//! The upload wizard (`/upload`): choose a zip (checked at once in the browser by the WASM
//! validator, reading only the bytes it needs, against the store's own limits), describe a new
//! resource (checked by the store, nothing created), set the release, and upload with a real
//! progress bar. A new resource is created together with its first release by the upload itself,
//! so leaving the wizard half-way leaves nothing behind.
//!
//! Each step has its own URL (`/upload?step=details`, `?step=release`, with `kind` and `name` for a
//! new release of an existing resource): Continue adds a history entry, and the browser's Back and
//! Forward move between steps. What the wizard holds lives in [`WizardState`], provided once by
//! the app, so it outlives the page: leaving the wizard and coming back with Forward keeps the
//! file, the details and the release fields.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::api::{
    check_new_resource, get_upload_limits, markdown_preview, name_available, version_exists,
};
use super::{kind_from_path, path_of_kind, Channel, NewResourceDetails, ReleaseInfo, UploadLimits};
use crate::error::{ErrorBody, ErrorCode};
use crate::files::api::latest_files;
use crate::files::Changes;
use crate::teams::api::my_teams;
use crate::teams::pages::CreateTeamForm;
use crate::validate::{human_size, Diagnostic, Kind, Limits, PackageType, Report, Severity};

/// Where the wizard is. The upload itself runs on the Release step's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Choose,
    Details,
    Release,
}

impl Step {
    /// The `step` query parameter's value.
    fn param(self) -> Option<&'static str> {
        match self {
            Step::Choose => None,
            Step::Details => Some("details"),
            Step::Release => Some("release"),
        }
    }

    fn from_param(value: Option<&str>) -> Step {
        match value {
            Some("details") => Step::Details,
            Some("release") => Step::Release,
            _ => Step::Choose,
        }
    }

    /// This step's bit in [`WizardState::continued_into`].
    fn bit(self) -> u8 {
        match self {
            Step::Choose => 0,
            Step::Details => 1,
            Step::Release => 2,
        }
    }
}

/// Upload progress.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Progress {
    sent: f64,
    total: f64,
    started_ms: f64,
    now_ms: f64,
}

/// Everything the wizard holds between its steps. Provided once by the app (see
/// [`crate::app::App`]) so that it outlives the upload page: Back, Forward, and leaving the wizard
/// and returning with Forward keep the chosen file, the details and the release fields.
#[derive(Clone, Copy)]
pub struct WizardState {
    /// The existing resource a new release is for; `None` for a new resource.
    target: RwSignal<Option<(Kind, String)>>,
    // Choose
    file: StoredValue<Option<send_wrapper_file::FileHandle>, BrowserStorage>,
    file_name: RwSignal<String>,
    file_size: RwSignal<u64>,
    report: RwSignal<Option<Report>>,
    checked_ms: RwSignal<Option<f64>>,
    /// Why the chosen file cannot be used before any check (too large, unreadable).
    choose_error: RwSignal<Option<String>>,
    /// The store's limits, fetched once.
    limits: RwSignal<Option<UploadLimits>>,
    /// The zip's version when the resource already has it.
    duplicate: RwSignal<Option<String>>,
    /// What the chosen zip changes from the resource's latest release.
    changes: RwSignal<Option<ChangesSinceLatest>>,
    /// Why the page shows another step than its address asked for.
    notice: RwSignal<Option<String>>,
    /// Set when an upload succeeded: the next visit starts afresh.
    completed: RwSignal<bool>,
    /// The steps reached with Continue (bits of [`Step::bit`]): their Back button is the browser's.
    continued_into: RwSignal<u8>,
    // Details
    name: RwSignal<String>,
    team: RwSignal<String>,
    title: RwSignal<String>,
    short_description: RwSignal<String>,
    description: RwSignal<String>,
    category: RwSignal<String>,
    tags: RwSignal<String>,
    details_error: RwSignal<Option<ErrorBody>>,
    /// Set once the store accepted the details (nothing is created until the upload).
    details_checked: RwSignal<bool>,
    // Release
    channel: RwSignal<Channel>,
    changelog: RwSignal<String>,
    publish_now: RwSignal<bool>,
    // Upload
    progress: RwSignal<Option<Progress>>,
    upload_error: RwSignal<Option<ErrorBody>>,
    uploading: RwSignal<bool>,
    canceller: StoredValue<Option<send_wrapper_file::Canceller>, BrowserStorage>,
}

impl Default for WizardState {
    fn default() -> Self {
        Self::new()
    }
}

impl WizardState {
    /// An empty wizard.
    pub fn new() -> Self {
        WizardState {
            target: RwSignal::new(None),
            file: StoredValue::new_with_storage(None),
            file_name: RwSignal::new(String::new()),
            file_size: RwSignal::new(0),
            report: RwSignal::new(None),
            checked_ms: RwSignal::new(None),
            choose_error: RwSignal::new(None),
            limits: RwSignal::new(None),
            duplicate: RwSignal::new(None),
            changes: RwSignal::new(None),
            notice: RwSignal::new(None),
            completed: RwSignal::new(false),
            continued_into: RwSignal::new(0),
            name: RwSignal::new(String::new()),
            team: RwSignal::new(String::new()),
            title: RwSignal::new(String::new()),
            short_description: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            category: RwSignal::new(String::new()),
            tags: RwSignal::new(String::new()),
            details_error: RwSignal::new(None),
            details_checked: RwSignal::new(false),
            channel: RwSignal::new(Channel::Stable),
            changelog: RwSignal::new(String::new()),
            publish_now: RwSignal::new(false),
            progress: RwSignal::new(None),
            upload_error: RwSignal::new(None),
            uploading: RwSignal::new(false),
            canceller: StoredValue::new_with_storage(None),
        }
    }

    /// Empties the wizard for `target` (the store's limits stay).
    fn reset(&self, target: Option<(Kind, String)>) {
        self.target.set(target);
        self.file.set_value(None);
        self.file_name.set(String::new());
        self.file_size.set(0);
        self.report.set(None);
        self.checked_ms.set(None);
        self.choose_error.set(None);
        self.duplicate.set(None);
        self.changes.set(None);
        self.notice.set(None);
        self.completed.set(false);
        self.continued_into.set(0);
        for text in [
            self.name,
            self.team,
            self.title,
            self.short_description,
            self.description,
            self.category,
            self.tags,
            self.changelog,
        ] {
            text.set(String::new());
        }
        self.details_error.set(None);
        self.details_checked.set(false);
        self.channel.set(Channel::Stable);
        self.publish_now.set(false);
        self.progress.set(None);
        self.upload_error.set(None);
        self.uploading.set(false);
        self.canceller.set_value(None);
    }

    /// Whether a valid zip is chosen.
    fn has_valid_zip(&self) -> bool {
        self.file.with_value(Option::is_some)
            && self.report.with(|r| r.as_ref().is_some_and(|r| r.valid))
    }

    /// Clears the details error if it belongs to `field` (the user is changing that field).
    fn clear_field_error(&self, field: &str) {
        let stale = self.details_error.with_untracked(|e| {
            e.as_ref()
                .is_some_and(|e| e.field.as_deref() == Some(field))
        });
        if stale {
            self.details_error.set(None);
        }
    }

    /// The details as the store takes them.
    fn details(&self) -> NewResourceDetails {
        NewResourceDetails {
            team: self.team.get_untracked(),
            title: self.title.get_untracked(),
            short_description: self.short_description.get_untracked(),
            description: self.description.get_untracked(),
            category: self.category.get_untracked(),
            tags: self
                .tags
                .get_untracked()
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        }
    }
}

/// The wizard's state: the app's, or (outside the app) a new one.
fn use_wizard_state() -> WizardState {
    use_context::<WizardState>().unwrap_or_else(|| {
        let state = WizardState::new();
        provide_context(state);
        state
    })
}

/// The diagnostics list, shared by the browser's and the server's verdicts.
#[component]
pub fn Diagnostics(diagnostics: Vec<Diagnostic>) -> impl IntoView {
    view! {
        <ul class="diagnostics" data-testid="diagnostics">
            {diagnostics.into_iter().map(|d| {
                let class = match d.severity { Severity::Error => "diagnostic error", Severity::Warning => "diagnostic warning" };
                let label = match d.severity { Severity::Error => "Error", Severity::Warning => "Warning" };
                view! {
                    <li class=class>
                        <strong>{label}</strong> " " <code>{d.code.as_str()}</code>
                        {d.path.map(|p| view! { " " <span class="mono">{p}</span> })}
                        <p>{d.message}</p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The wizard's address for `step`.
fn step_url(step: Step, target: Option<&(Kind, String)>) -> String {
    let mut query = leptos_router::params::ParamsMap::new();
    if let Some((kind, name)) = target {
        query.insert("kind", path_of_kind(*kind).to_string());
        query.insert("name", name.clone());
    }
    if let Some(step) = step.param() {
        query.insert("step", step.to_string());
    }
    format!("/upload{}", query.to_query_string())
}

/// The message that the resource already has `version`.
fn duplicate_message(version: &str, kind: Kind) -> String {
    format!(
        "{version} already exists; raise the version in {} and choose the zip again.",
        kind.manifest_name()
    )
}

/// What a chosen zip changes from the resource's latest release, found in the browser before
/// anything is uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangesSinceLatest {
    /// The latest release's version.
    version: String,
    changes: Changes,
    /// What the author should look at (an entry script gone, a pack grown a lot).
    warnings: Vec<String>,
}

/// Compares the chosen zip's files (its central directory, read in the browser) with the files of
/// the resource's latest release (their sizes and CRCs, from the store), and keeps the answer.
/// Nothing is shown when either cannot be read: the upload does not depend on it.
async fn compare_with_latest(
    state: WizardState,
    picked: &send_wrapper_file::FileHandle,
    kind: Kind,
    name: String,
    limits: Limits,
) {
    let Ok(Some(latest)) = latest_files(path_of_kind(kind).to_string(), name).await else {
        return;
    };
    let Ok(files) = picked.file_list(&limits).await else {
        return;
    };
    // Another zip may have been chosen meanwhile: this answer is for this one only.
    let still_chosen = state
        .file
        .with_value(|chosen| chosen.as_ref().is_some_and(|f| f.is_same(picked)));
    if !still_chosen {
        return;
    }
    let changes = crate::files::compare(&latest.files, &files);
    state.changes.set(Some(ChangesSinceLatest {
        version: latest.version,
        warnings: crate::files::warnings(&changes),
        changes,
    }));
}

/// The chosen zip's changes since the latest release, with the warnings first.
#[component]
fn ChangesPanel(state: WizardState) -> impl IntoView {
    move || {
        state.changes.get().map(|found| {
            let changes = found.changes;
            let list = |title: &'static str, paths: Vec<String>| {
                (!paths.is_empty()).then(|| view! {
                    <details>
                        <summary>{format!("{title} ({})", paths.len())}</summary>
                        <ul class="change-list">{paths.into_iter().map(|p| view! { <li class="mono">{p}</li> }).collect_view()}</ul>
                    </details>
                })
            };
            let added = changes.added.iter().map(|f| f.path.clone()).collect();
            let removed = changes.removed.iter().map(|f| f.path.clone()).collect();
            let changed = changes.changed.iter().map(|f| f.path.clone()).collect();
            let renamed = changes.renamed.iter().map(|r| format!("{} → {}", r.from, r.to)).collect();
            let counts = format!(
                "{} added, {} removed, {} changed, {} renamed; {} → {} unpacked.",
                changes.added.len(),
                changes.removed.len(),
                changes.changed.len(),
                changes.renamed.len(),
                human_size(changes.old_size),
                human_size(changes.new_size)
            );
            view! {
                <section class="stack" data-testid="changes-since-latest" aria-labelledby="changes-heading">
                    <h3 id="changes-heading">{format!("Changes since v{}", found.version)}</h3>
                    {found.warnings.into_iter().map(|w| view! { <p class="alert warning" role="alert">{w}</p> }).collect_view()}
                    {if changes.is_empty() {
                        view! { <p>"The same files as the latest release."</p> }.into_any()
                    } else {
                        view! { <p>{counts}</p> }.into_any()
                    }}
                    {list("Added", added)}
                    {list("Removed", removed)}
                    {list("Changed", changed)}
                    {list("Renamed", renamed)}
                </section>
            }
        })
    }
}

/// Asks the store whether the existing resource already has `version`, and keeps the answer.
fn check_duplicate(state: WizardState, kind: Kind, name: String, version: String) {
    leptos::task::spawn_local(async move {
        if let Ok(exists) =
            version_exists(path_of_kind(kind).to_string(), name, version.clone()).await
        {
            state.duplicate.set(exists.then_some(version));
        }
    });
}

/// The store's limits, fetched the first time they are needed.
async fn store_limits(state: WizardState) -> Result<UploadLimits, ErrorBody> {
    if let Some(limits) = state.limits.get_untracked() {
        return Ok(limits);
    }
    let limits = get_upload_limits().await?;
    state.limits.set(Some(limits));
    Ok(limits)
}

/// `/upload`, or `/upload?kind=packages&name=NAME` for a new release of an existing resource; each
/// step adds `step=details` or `step=release`.
#[component]
pub fn UploadPage() -> impl IntoView {
    let state = use_wizard_state();
    let query = use_query_map();
    let existing = Memo::new(move |_| {
        let q = query.read();
        match (
            q.get("kind").and_then(|k| kind_from_path(&k)),
            q.get("name"),
        ) {
            (Some(kind), Some(name)) => Some((kind, name)),
            _ => None,
        }
    });
    // Another resource (or a new one instead of a release), or a visit after a finished upload,
    // starts afresh.
    if state.completed.get_untracked() || state.target.get_untracked() != existing.get_untracked() {
        state.reset(existing.get_untracked());
    }
    Effect::new(move |_| {
        let target = existing.get();
        if state.target.get_untracked() != target {
            state.reset(target);
        }
    });
    let navigate = use_navigate();
    let go = {
        let navigate = navigate.clone();
        move |step: Step, replace: bool| {
            navigate(
                &step_url(step, existing.get_untracked().as_ref()),
                NavigateOptions {
                    replace,
                    ..Default::default()
                },
            )
        }
    };
    let requested = Memo::new(move |_| Step::from_param(query.read().get("step").as_deref()));
    // The step shown: the one asked for, when the wizard holds what it needs.
    let step = Memo::new(move |_| {
        let wanted = requested.get();
        if wanted == Step::Choose || !state.has_valid_zip() {
            return Step::Choose;
        }
        match (wanted, existing.get().is_some()) {
            (_, true) => Step::Release,
            (Step::Release, false) if !state.details_checked.get() => Step::Details,
            (wanted, false) => wanted,
        }
    });
    // An address whose step cannot be shown (a bookmark, a reload, Forward after the wizard was
    // emptied) is replaced with the step shown, saying why.
    Effect::new({
        let go = go.clone();
        move |_| {
            let (wanted, shown) = (requested.get(), step.get());
            if wanted != shown {
                if shown == Step::Choose {
                    state.notice.set(Some(
                        "Choose the zip first: the wizard starts again here, since it no longer holds a file (after a reload or a new visit).".into(),
                    ));
                }
                go(shown, true);
            }
        }
    });
    // Focus moves to the new step's heading, so that keyboard and screen reader users continue
    // there (not on the first load).
    Effect::new(move |previous: Option<Step>| {
        let current = step.get();
        if previous.is_some_and(|p| p != current) {
            send_wrapper_file::focus_step_heading_soon();
        }
        current
    });
    // Leaving the Release step, or the wizard, cancels an upload in flight (nothing is stored
    // then, and the page does not jump to the release later, wherever the person went).
    let cancel_upload = move || {
        if state.uploading.get_untracked() {
            if let Some(c) = state.canceller.get_value() {
                c.cancel();
            }
        }
    };
    Effect::new(move |_| {
        if step.get() != Step::Release {
            cancel_upload();
        }
    });
    on_cleanup(cancel_upload);
    // At the Release step, ask again whether the version exists (someone may have uploaded it
    // since the zip was chosen).
    Effect::new(move |_| {
        if step.get() != Step::Release {
            return;
        }
        let version = state.report.with_untracked(|r| {
            r.as_ref()
                .and_then(|r| r.manifest.as_ref()?.version.clone())
        });
        if let (Some((kind, name)), Some(version)) = (existing.get_untracked(), version) {
            check_duplicate(state, kind, name, version);
        }
    });
    // The limits, early, so that a file can be refused at once.
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            let _ = store_limits(state).await;
        })
    });

    let kind = Memo::new(move |_| {
        existing
            .get()
            .map(|(k, _)| k)
            .or_else(|| state.report.get().and_then(|r| r.kind))
            .unwrap_or(Kind::Package)
    });

    let on_file = move |picked: send_wrapper_file::FileHandle| {
        state.notice.set(None);
        state.file_name.set(picked.name());
        state.file_size.set(picked.size());
        state.report.set(None);
        state.checked_ms.set(None);
        state.choose_error.set(None);
        state.duplicate.set(None);
        state.changes.set(None);
        state.file.set_value(None);
        let expected = existing.get_untracked().map(|(k, _)| k);
        leptos::task::spawn_local(async move {
            let limits = match store_limits(state).await {
                Ok(limits) => limits,
                Err(e) => {
                    state.choose_error.set(Some(e.message));
                    return;
                }
            };
            if picked.size() > limits.max_upload_size {
                state.choose_error.set(Some(format!(
                    "{} is {}, over this store's upload limit of {}. Leave out files the game does not need, or ask the store's operator to raise the limit.",
                    picked.name(),
                    human_size(picked.size()),
                    human_size(limits.max_upload_size)
                )));
                return;
            }
            let (result, ms) = picked.validate(expected, limits.validator).await;
            state.checked_ms.set(Some(ms));
            match result {
                Ok(r) => {
                    if let Some(m) = &r.manifest {
                        if state.title.get_untracked().is_empty() {
                            state.title.set(m.title.clone().unwrap_or_default());
                        }
                        if state.category.get_untracked().is_empty() {
                            state.category.set(
                                m.package_type
                                    .map(|t| t.as_str().to_string())
                                    .unwrap_or_default(),
                            );
                        }
                    }
                    if let (Some((kind, name)), true, Some(version)) = (
                        existing.get_untracked(),
                        r.valid,
                        r.manifest.as_ref().and_then(|m| m.version.clone()),
                    ) {
                        check_duplicate(state, kind, name, version);
                    }
                    let valid = r.valid;
                    state.file.set_value(Some(picked.clone()));
                    state.report.set(Some(r));
                    if let (Some((kind, name)), true) = (existing.get_untracked(), valid) {
                        compare_with_latest(state, &picked, kind, name, limits.validator).await;
                    }
                }
                Err(message) => state.choose_error.set(Some(message)),
            }
        });
    };

    let continue_to = {
        let go = go.clone();
        move |next: Step| {
            state.continued_into.update(|bits| *bits |= 1 << next.bit());
            go(next, false);
        }
    };
    // Back: the browser's own Back when this step was reached with Continue (so history stays
    // in order), else the previous step's address in place of this one.
    let back = {
        let go = go.clone();
        move |from: Step| {
            let previous = match from {
                Step::Release if existing.get_untracked().is_none() => Step::Details,
                _ => Step::Choose,
            };
            if state.continued_into.get_untracked() & (1 << from.bit()) != 0
                && send_wrapper_file::history_back()
            {
                return;
            }
            go(previous, true);
        }
    };

    let start_upload = {
        let navigate = navigate.clone();
        let back = back.clone();
        move || {
            let Some(handle) = state.file.get_value() else {
                return;
            };
            let (kind, resource, new_resource) = match existing.get_untracked() {
                Some((k, n)) => (k, n, None),
                None => (
                    kind.get_untracked(),
                    state.name.get_untracked().trim().to_string(),
                    Some(state.details()),
                ),
            };
            state.upload_error.set(None);
            state.uploading.set(true);
            let url = format!("/store/v1/{}/{}/releases", path_of_kind(kind), resource);
            // The resource part comes first: the store checks it before reading the file.
            let mut fields = Vec::new();
            if let Some(details) = new_resource {
                fields.push((
                    "resource",
                    serde_json::to_string(&details).unwrap_or_default(),
                ));
            }
            fields.push(("changelog", state.changelog.get_untracked()));
            fields.push((
                "channel",
                state.channel.get_untracked().as_str().to_string(),
            ));
            fields.push(("publish", state.publish_now.get_untracked().to_string()));
            let navigate = navigate.clone();
            let back = back.clone();
            let on_done = move |result: Result<ReleaseInfo, ErrorBody>| {
                state.uploading.set(false);
                match result {
                    Ok(release) => {
                        let to = format!(
                            "/{}/{}/releases/{}",
                            path_of_kind(kind),
                            resource,
                            release.version
                        );
                        // Emptied on the next visit: emptying it now would show step 1 here
                        // before the release page.
                        state.completed.set(true);
                        navigate(&to, Default::default());
                    }
                    // A detail the store refused goes back beside its field.
                    Err(e) if e.field.as_deref().is_some_and(is_details_field) => {
                        state.progress.set(None);
                        state.details_error.set(Some(e));
                        back(Step::Release);
                    }
                    Err(e) => state.upload_error.set(Some(e)),
                }
            };
            let on_progress = move |sent: f64, total: f64, now_ms: f64| {
                state.progress.update(|p| {
                    let started_ms = p.map(|p| p.started_ms).unwrap_or(now_ms);
                    *p = Some(Progress {
                        sent,
                        total,
                        started_ms,
                        now_ms,
                    });
                })
            };
            state.progress.set(None);
            match handle.upload(&url, fields, on_progress, on_done) {
                Ok(c) => state.canceller.set_value(Some(c)),
                Err(message) => {
                    state.uploading.set(false);
                    state.upload_error.set(Some(ErrorBody {
                        code: ErrorCode::UploadFailed,
                        message,
                        field: None,
                        diagnostics: None,
                        fields: Vec::new(),
                    }));
                }
            }
        }
    };
    let start_upload = StoredValue::<_, BrowserStorage>::new_with_storage(start_upload);

    let submit_details = {
        let continue_to = continue_to.clone();
        move || {
            state.details_error.set(None);
            let kind = kind.get_untracked();
            let name = state.name.get_untracked().trim().to_string();
            let details = state.details();
            let continue_to = continue_to.clone();
            leptos::task::spawn_local(async move {
                match check_new_resource(path_of_kind(kind).to_string(), name, details).await {
                    Ok(()) => {
                        state.details_checked.set(true);
                        continue_to(Step::Release);
                    }
                    Err(e) => state.details_error.set(Some(e)),
                }
            });
        }
    };
    let submit_details = StoredValue::<_, BrowserStorage>::new_with_storage(submit_details);
    let continue_to = StoredValue::<_, BrowserStorage>::new_with_storage(continue_to);
    let back = StoredValue::<_, BrowserStorage>::new_with_storage(back);

    // The upload's panel replaces the release form once it starts, until it is retried.
    let upload_shown = move || state.uploading.get() || state.upload_error.get().is_some();

    view! {
        <Title text="Upload" />
        <section class="stack-lg wizard">
            <h1>{move || match existing.get() { Some((_, n)) => format!("New release of {n}"), None => "Upload a new resource".into() }}</h1>
            <ol class="steps" aria-label="Steps">
                <li class:current=move || step.get() == Step::Choose aria-current=move || (step.get() == Step::Choose).then_some("step")>"Choose the zip"</li>
                {move || existing.get().is_none().then(|| view! { <li class:current=move || step.get() == Step::Details aria-current=move || (step.get() == Step::Details).then_some("step")>"Details"</li> })}
                <li class:current=move || step.get() == Step::Release && !upload_shown() aria-current=move || (step.get() == Step::Release && !upload_shown()).then_some("step")>"Release"</li>
                <li class:current=move || step.get() == Step::Release && upload_shown() aria-current=move || (step.get() == Step::Release && upload_shown()).then_some("step")>"Upload"</li>
            </ol>
            {move || state.notice.get().map(|n| view! { <p class="alert" role="status" data-testid="wizard-notice">{n}</p> })}

            <Show when=move || step.get() == Step::Choose>
                <h2 id="wizard-step-heading" tabindex="-1">"Choose the zip"</h2>
                <ChooseZip on_file=on_file state />
                {move || state.choose_error.get().map(|message| view! { <p class="alert error" role="alert" data-testid="choose-error">{message}</p> })}
                {move || state.checked_ms.get().map(|ms| view! { <p class="muted" data-testid="check-time">{format!("Checked in your browser in {ms:.0} ms, without uploading anything.")}</p> })}
                {move || state.report.get().map(|r| {
                    let valid = r.valid;
                    let blocked = move || !valid || state.duplicate.get().is_some();
                    view! {
                        <div class="panel stack" data-testid="verdict">
                            {if valid {
                                view! { <p class="verdict ok" role="status">"✓ This zip is valid."</p> }.into_any()
                            } else {
                                view! { <p class="verdict bad" role="alert">"✗ This zip cannot be uploaded. Fix the errors below and choose it again."</p> }.into_any()
                            }}
                            <DuplicateAlert state kind />
                            <ChangesPanel state />
                            {r.manifest.clone().map(|m| view! {
                                <dl class="facts" data-testid="manifest">
                                    <dt>"Kind"</dt><dd>{m.kind.as_str()}</dd>
                                    <dt>"Title"</dt><dd>{m.title.unwrap_or_default()}</dd>
                                    <dt>"Author"</dt><dd>{m.author.unwrap_or_default()}</dd>
                                    <dt>"Version"</dt><dd>{m.version.unwrap_or_default()}</dd>
                                    <dt>"Type"</dt><dd>{m.package_type.map(|t| t.as_str()).unwrap_or("-")}</dd>
                                </dl>
                            })}
                            {(!r.diagnostics.is_empty()).then(|| view! { <Diagnostics diagnostics=r.diagnostics.clone() /> })}
                            <p>
                                <button type="button" class="button" disabled=blocked on:click=move |_| {
                                    let next = if existing.get_untracked().is_some() { Step::Release } else { Step::Details };
                                    continue_to.with_value(|go| go(next));
                                }>"Continue"</button>
                            </p>
                        </div>
                    }
                })}
            </Show>

            <Show when=move || step.get() == Step::Details>
                <DetailsStep kind state />
                <p>
                    <button type="button" class="button-link" on:click=move |_| back.with_value(|back| back(Step::Details))>"← Back"</button> " "
                    <button type="button" class="button" on:click=move |_| submit_details.with_value(|submit| submit())>"Continue"</button>
                </p>
            </Show>

            <Show when=move || step.get() == Step::Release>
                <Show when=move || !upload_shown() fallback=move || view! {
                    <UploadStep state on_cancel=move || {
                        if let Some(c) = state.canceller.get_value() { c.cancel(); }
                    } on_retry=move || {
                        state.upload_error.set(None);
                        state.progress.set(None);
                    } />
                }>
                    <ReleaseStep state />
                    <DuplicateAlert state kind />
                    <p>
                        <button type="button" class="button-link" on:click=move |_| back.with_value(|back| back(Step::Release))>"← Back"</button> " "
                        <button type="button" class="button" disabled=move || state.duplicate.get().is_some() on:click=move |_| start_upload.with_value(|start| start())>"Upload"</button>
                    </p>
                </Show>
            </Show>
        </section>
    }
}

/// Whether an upload error's field is one of the Details step's.
fn is_details_field(field: &str) -> bool {
    matches!(
        field,
        "name" | "team" | "title" | "short_description" | "description" | "category" | "tags"
    )
}

/// "1.2.0 already exists": shown, before anything is sent, when the resource has the zip's version.
#[component]
fn DuplicateAlert(state: WizardState, kind: Memo<Kind>) -> impl IntoView {
    move || {
        state.duplicate.get().map(|version| {
            view! { <p class="alert error" role="alert" data-testid="duplicate-version">{duplicate_message(&version, kind.get())}</p> }
        })
    }
}

/// A "Preview" button, and below it `text` rendered as the pages will show it, or why the store
/// refused to render it.
#[component]
fn MarkdownPreview(text: RwSignal<String>) -> impl IntoView {
    let preview = RwSignal::new(None::<Result<String, ErrorBody>>);
    view! {
        <button type="button" class="button-link" on:click=move |_| {
            let text = text.get_untracked();
            leptos::task::spawn_local(async move { preview.set(Some(markdown_preview(text).await)); });
        }>"Preview"</button>
        {move || preview.get().map(|rendered| match rendered {
            Ok(html) => view! { <div class="markdown preview" inner_html=html></div> }.into_any(),
            Err(error) => view! { <p class="field-error">{error.message}</p> }.into_any(),
        })}
    }
}

#[component]
fn ChooseZip(
    #[prop(into)] on_file: Callback<send_wrapper_file::FileHandle>,
    state: WizardState,
) -> impl IntoView {
    let (dragging, set_dragging) = signal(false);
    let input = NodeRef::<leptos::html::Input>::new();
    // Back at this step with a file chosen: the input names it, as if just chosen. A file chosen
    // before the page came to life (its script still loading) is taken now.
    Effect::new(move |_| {
        if let Some(input) = input.get() {
            match state.file.get_value() {
                Some(file) => file.show_in(&input),
                None => {
                    if let Some(file) = send_wrapper_file::FileHandle::from_element(&input) {
                        on_file.run(file);
                    }
                }
            }
        }
    });
    view! {
        <div
            class="dropzone"
            class:dragging=dragging
            on:dragover=move |ev| { ev.prevent_default(); set_dragging.set(true); }
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                set_dragging.set(false);
                if let Some(f) = send_wrapper_file::FileHandle::from_drop(&ev) {
                    // The input then names the dropped file, not the one chosen before.
                    if let Some(input) = input.get_untracked() { f.show_in(&input); }
                    on_file.run(f);
                }
            }
        >
            <label for="zip">"Choose the release zip, or drop it here"</label>
            <input id="zip" name="zip" type="file" accept=".zip,application/zip" node_ref=input on:change=move |ev| {
                if let Some(f) = send_wrapper_file::FileHandle::from_input(&ev) { on_file.run(f); }
            } />
            {move || state.limits.get().map(|l| view! {
                <p class="hint">{format!("Up to {} per upload on this store.", human_size(l.max_upload_size))}</p>
            })}
            {move || (!state.file_name.get().is_empty()).then(|| view! {
                <p class="muted" data-testid="chosen-file">{format!("{} ({})", state.file_name.get(), human_size(state.file_size.get()))}</p>
            })}
        </div>
    }
}

#[component]
fn DetailsStep(kind: Memo<Kind>, state: WizardState) -> impl IntoView {
    let WizardState {
        name,
        team,
        title,
        short_description,
        description,
        category,
        tags,
        details_error: error,
        ..
    } = state;
    let field = move |f: &'static str| move || error.get().and_then(|e| e.for_field(f));
    // Each input: its value, and its error cleared as soon as it changes.
    let edit = move |signal: RwSignal<String>, f: &'static str| {
        move |ev: leptos::ev::Event| {
            signal.set(event_target_value(&ev));
            state.clear_field_error(f);
        }
    };
    let teams_version = RwSignal::new(0);
    let teams = Resource::new(move || teams_version.get(), |_| my_teams());
    let availability = Resource::new(
        move || (kind.get(), name.get()),
        |(kind, name)| async move {
            if name.is_empty() {
                return None;
            }
            name_available(path_of_kind(kind).to_string(), name)
                .await
                .ok()
        },
    );
    let (creating_team, set_creating_team) = signal(false);
    view! {
        <div class="panel stack">
            <h2 id="wizard-step-heading" tabindex="-1">"Details"</h2>
            <p class="hint">"Nothing is created yet: the resource appears in the store with its first release, when you upload."</p>
            {move || error.get().filter(|e| e.field.is_none()).map(|e| view! { <p class="alert error" role="alert">{e.message}</p> })}
            <div class="field">
                <label for="res-name">"Name"</label>
                <p class="hint">"The folder name on game servers: lowercase letters, digits and '-'. It cannot change later."</p>
                <input id="res-name" type="text" pattern="[a-z0-9\\-]{1,64}" prop:value=name on:input=edit(name, "name") />
                <p class="field-hint" aria-live="polite">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match availability.await {
                                Some(true) => "✓ available",
                                Some(false) => "✗ taken or not a valid name",
                                None => "",
                            }
                        })}
                    </Transition>
                </p>
                <p class="field-error">{field("name")}</p>
            </div>
            <div class="field">
                <label for="res-team">"Team"</label>
                <select id="res-team" on:change=edit(team, "team") prop:value=team>
                    <option value="">"Choose a team"</option>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            teams.await.unwrap_or_default().into_iter().map(|t| view! {
                                <option value=t.name.clone() selected=t.name == team.get_untracked()>{t.title.clone()}</option>
                            }).collect_view()
                        })}
                    </Transition>
                </select>
                <p class="field-error">{field("team")}</p>
                <button type="button" class="button-link" on:click=move |_| set_creating_team.update(|v| *v = !*v)>"Create a new team"</button>
                <Show when=move || creating_team.get()>
                    <CreateTeamForm on_created=move |created: String| {
                        team.set(created);
                        state.clear_field_error("team");
                        set_creating_team.set(false);
                        teams_version.update(|v| *v += 1);
                    } />
                </Show>
            </div>
            <div class="field">
                <label for="res-title">"Title"</label>
                <input id="res-title" type="text" prop:value=title on:input=edit(title, "title") />
                <p class="field-error">{field("title")}</p>
            </div>
            <div class="field">
                <label for="res-short">"Short description"</label>
                <input id="res-short" type="text" maxlength=super::SHORT_DESCRIPTION_MAX prop:value=short_description on:input=edit(short_description, "short_description") />
                <p class="field-error">{field("short_description")}</p>
            </div>
            <div class="field">
                <label for="res-description">"Description (Markdown)"</label>
                <textarea id="res-description" rows=6 prop:value=description on:input=edit(description, "description")></textarea>
                <p class="field-error">{field("description")}</p>
                <MarkdownPreview text=description />
            </div>
            <div class="field">
                <label for="res-category">"Category"</label>
                {move || match kind.get() {
                    Kind::Package => view! {
                        <select id="res-category" on:change=edit(category, "category")>
                            {PackageType::TABLES.into_iter().map(|(t, _)| view! {
                                <option value=t.as_str() selected=move || category.get() == t.as_str()>{t.as_str()}</option>
                            }).collect_view()}
                        </select>
                    }.into_any(),
                    Kind::AssetPack => view! {
                        <input id="res-category" type="text" placeholder="vehicles" prop:value=category on:input=edit(category, "category") />
                    }.into_any(),
                }}
                <p class="field-error">{field("category")}</p>
            </div>
            <div class="field">
                <label for="res-tags">"Tags (comma-separated, up to 10)"</label>
                <p class="hint">"Kept in lowercase with '-' between words: \"Fun Stuff\" becomes fun-stuff."</p>
                <input id="res-tags" type="text" prop:value=tags on:input=edit(tags, "tags") />
                <p class="field-error">{field("tags")}</p>
            </div>
        </div>
    }
}

#[component]
fn ReleaseStep(state: WizardState) -> impl IntoView {
    let WizardState {
        channel,
        changelog,
        publish_now,
        ..
    } = state;
    view! {
        <div class="panel stack">
            <h2 id="wizard-step-heading" tabindex="-1">"Release"</h2>
            <div class="field">
                <label for="rel-channel">"Channel"</label>
                <select id="rel-channel" aria-describedby="rel-channel-help" on:change=move |ev| { if let Ok(c) = Channel::parse(&event_target_value(&ev)) { channel.set(c) } }>
                    {Channel::ALL.into_iter().rev().map(|c| view! { <option value=c.as_str() selected=move || channel.get() == c>{c.as_str()}</option> }).collect_view()}
                </select>
                <div id="rel-channel-help" class="hint channel-help" data-testid="channel-help">
                    <p>"The channel says who the release is for, once it is published:"</p>
                    <ul>
                        <li><strong>"stable"</strong>": for everyone; game servers get the newest stable release by default."</li>
                        <li><strong>"beta"</strong>": nearly ready; only servers that ask for beta (or alpha) get it."</li>
                        <li><strong>"alpha"</strong>": early and experimental; only servers that ask for alpha get it."</li>
                        <li><strong>"private"</strong>": only your team's members see and download it, even when published."</li>
                    </ul>
                </div>
            </div>
            <div class="field">
                <label for="rel-changelog">"Changelog (Markdown)"</label>
                <textarea id="rel-changelog" rows=5 prop:value=changelog on:input=move |ev| changelog.set(event_target_value(&ev))></textarea>
                <MarkdownPreview text=changelog />
            </div>
            <div class="field">
                <label class="check">
                    <input type="checkbox" aria-describedby="rel-draft-help" prop:checked=publish_now on:change=move |ev| publish_now.set(event_target_checked(&ev)) />
                    " Publish now (otherwise it is kept as a draft only your team sees)"
                </label>
                <p id="rel-draft-help" class="hint">"A draft is not a channel: it is a release that is not out yet, on any channel. Only your team sees it, to download and test it; publish it from the resource's page when it is ready. Drafts can be deleted; published releases stay, so that servers using them keep working."</p>
            </div>
        </div>
    }
}

#[component]
fn UploadStep(
    state: WizardState,
    #[prop(into)] on_cancel: Callback<()>,
    #[prop(into)] on_retry: Callback<()>,
) -> impl IntoView {
    let WizardState {
        progress,
        uploading,
        upload_error: error,
        ..
    } = state;
    let sent_all = move || {
        uploading.get()
            && progress
                .get()
                .is_some_and(|p| p.total > 0.0 && p.sent >= p.total)
    };
    // A memo: the status below changes (and is announced) only when the milestone does.
    let announcement = Memo::new(move |_| announcement(progress.get(), uploading.get()));
    view! {
        <div class="panel stack">
            <h2 id="wizard-step-heading" tabindex="-1">"Upload"</h2>
            <p class="visually-hidden" role="status" data-testid="upload-announcement">{move || announcement.get()}</p>
            {move || {
                let p = progress.get().unwrap_or_default();
                let percent = if p.total > 0.0 { 100.0 * p.sent / p.total } else { 0.0 };
                let seconds = ((p.now_ms - p.started_ms) / 1000.0).max(0.001);
                let speed = p.sent / seconds;
                let left = if speed > 0.0 { (p.total - p.sent) / speed } else { 0.0 };
                view! {
                    <progress data-testid="upload-progress" max="100" value=format!("{percent:.1}") aria-label="Upload progress"></progress>
                    <p class="muted" data-testid="upload-progress-text">
                        {format!("{} of {} sent · {}/s · {:.0} s left", human_size(p.sent as u64), human_size(p.total as u64), human_size(speed as u64), left)}
                    </p>
                }
            }}
            {move || sent_all().then(|| view! {
                <p>"Checking the zip on the server…"</p>
            })}
            {move || uploading.get().then(|| view! {
                <button type="button" class="button-link" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            })}
            {move || error.get().map(|e| view! {
                <div role="alert" class="stack">
                    <p class="alert error">{e.message.clone()}</p>
                    {e.diagnostics.clone().map(|d| view! { <Diagnostics diagnostics=d /> })}
                    <p><button type="button" class="button-link" on:click=move |_| on_retry.run(())>"← Back"</button></p>
                </div>
            })}
        </div>
    }
}

/// What screen readers hear of an upload's progress: a few milestones (started, 25, 50, 75 and
/// 100 %, then the server's check), not every progress event.
fn announcement(progress: Option<Progress>, uploading: bool) -> String {
    if !uploading {
        return String::new();
    }
    match progress {
        Some(p) if p.total > 0.0 && p.sent >= p.total => {
            "100% uploaded. Checking the zip on the server…".to_string()
        }
        Some(p) if p.total > 0.0 => {
            let quarter = (4.0 * p.sent / p.total).floor().clamp(0.0, 3.0) as u32 * 25;
            if quarter == 0 {
                "Upload started.".to_string()
            } else {
                format!("{quarter}% uploaded.")
            }
        }
        _ => "Upload started.".to_string(),
    }
}

/// Where the wizard keeps values that hold browser objects (the chosen file, the upload in flight).
/// In the browser these are not `Send`, so they need local storage. On the server the handles
/// are empty, and local storage would be wrong: a server render may end on another thread than
/// it started, and dropping a local value there panics ("Dropped SendWrapper<T> variable from a
/// thread different to the one it has been created with").
#[cfg(feature = "hydrate")]
type BrowserStorage = LocalStorage;
#[cfg(not(feature = "hydrate"))]
type BrowserStorage = SyncStorage;

/// The browser's `File`, `XMLHttpRequest`, history and focus, behind small handles that compile
/// (and do nothing) on the server, where the wizard only renders its first step.
mod send_wrapper_file {
    use crate::error::ErrorBody;
    #[cfg(feature = "hydrate")]
    use crate::error::ErrorCode;
    use crate::resources::ReleaseInfo;
    use crate::validate::{Kind, Limits, Report};

    /// A file chosen in the page.
    #[derive(Clone)]
    pub struct FileHandle {
        #[cfg(feature = "hydrate")]
        file: web_sys::File,
    }

    /// Cancels an upload in flight.
    #[derive(Clone)]
    pub struct Canceller {
        #[cfg(feature = "hydrate")]
        xhr: web_sys::XmlHttpRequest,
    }

    #[cfg(feature = "hydrate")]
    mod browser {
        use super::*;
        use wasm_bindgen::prelude::*;
        use wasm_bindgen::JsCast;

        impl FileHandle {
            pub fn from_input(ev: &web_sys::Event) -> Option<FileHandle> {
                let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
                Self::from_element(&input)
            }

            pub fn from_element(input: &web_sys::HtmlInputElement) -> Option<FileHandle> {
                input.files()?.get(0).map(|file| FileHandle { file })
            }

            pub fn from_drop(ev: &web_sys::DragEvent) -> Option<FileHandle> {
                ev.data_transfer()?
                    .files()?
                    .get(0)
                    .map(|file| FileHandle { file })
            }

            /// Makes `input` hold this file, so that it names the file the wizard has.
            pub fn show_in(&self, input: &web_sys::HtmlInputElement) {
                if input
                    .files()
                    .and_then(|f| f.get(0))
                    .is_some_and(|f| f == self.file)
                {
                    return;
                }
                if let Ok(transfer) = web_sys::DataTransfer::new() {
                    if transfer.items().add_with_file(&self.file).is_ok() {
                        input.set_files(transfer.files().as_ref());
                    }
                }
            }

            pub fn name(&self) -> String {
                self.file.name()
            }

            pub fn size(&self) -> u64 {
                self.file.size() as u64
            }

            /// Whether both name the same chosen file.
            pub fn is_same(&self, other: &FileHandle) -> bool {
                self.file == other.file
            }

            /// The zip's files, from its central directory (one read near the file's end).
            pub async fn file_list(
                &self,
                limits: &Limits,
            ) -> Result<Vec<crate::files::FileEntry>, String> {
                let source = crate::validate::source::BlobSource::new(self.file.clone().into());
                crate::validate::archive::read_central_directory(&source, limits)
                    .await
                    .map(|directory| crate::files::file_list(&directory))
                    .map_err(|e| e.to_string())
            }

            /// Validates in metadata mode with the store's `limits`, reading slices of the file;
            /// returns the time it took.
            pub async fn validate(
                &self,
                expected: Option<Kind>,
                limits: Limits,
            ) -> (Result<Report, String>, f64) {
                let started = js_sys::Date::now();
                let options = crate::validate::Options {
                    expected_kind: expected,
                    limits,
                    ..Default::default()
                };
                let source = crate::validate::source::BlobSource::new(self.file.clone().into());
                let result = crate::validate::validate(&source, &options)
                    .await
                    .map_err(|e| format!("The file could not be read: {e}"));
                (result, js_sys::Date::now() - started)
            }

            /// Uploads the file to `url` as multipart, after the text parts `fields` (in their
            /// order), reporting progress.
            pub fn upload(
                &self,
                url: &str,
                fields: Vec<(&'static str, String)>,
                on_progress: impl Fn(f64, f64, f64) + 'static,
                on_done: impl Fn(Result<ReleaseInfo, ErrorBody>) + 'static,
            ) -> Result<Canceller, String> {
                let js = |e: JsValue| format!("{e:?}");
                let xhr = web_sys::XmlHttpRequest::new().map_err(js)?;
                xhr.open_with_async("POST", url, true).map_err(js)?;
                xhr.set_request_header("Accept", "application/json")
                    .map_err(js)?;
                let form = web_sys::FormData::new().map_err(js)?;
                for (name, value) in fields {
                    form.append_with_str(name, &value).map_err(js)?;
                }
                form.append_with_blob_and_filename("file", &self.file, "release.zip")
                    .map_err(js)?;
                let progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(
                    move |e: web_sys::ProgressEvent| {
                        on_progress(e.loaded(), e.total(), js_sys::Date::now());
                    },
                );
                xhr.upload()
                    .map_err(js)?
                    .set_onprogress(Some(progress.as_ref().unchecked_ref()));
                progress.forget();
                let on_done = std::rc::Rc::new(on_done);
                let done_xhr = xhr.clone();
                let finished = {
                    let on_done = on_done.clone();
                    Closure::<dyn Fn()>::new(move || {
                        let status = done_xhr.status().unwrap_or(0);
                        let text = done_xhr.response_text().ok().flatten().unwrap_or_default();
                        on_done(if (200..300).contains(&status) {
                            serde_json::from_str::<ReleaseInfo>(&text).map_err(|e| ErrorBody {
                                code: ErrorCode::BadResponse,
                                message: format!("The store answered in a way this page does not understand: {e}"),
                                field: None,
                                diagnostics: None,
                                fields: Vec::new(),
                            })
                        } else {
                            Err(
                                serde_json::from_str::<ErrorBody>(&text).unwrap_or(ErrorBody {
                                    code: ErrorCode::UploadFailed,
                                    message: format!("The upload failed (HTTP {status})."),
                                    field: None,
                                    diagnostics: None,
                                    fields: Vec::new(),
                                }),
                            )
                        });
                    })
                };
                xhr.set_onload(Some(finished.as_ref().unchecked_ref()));
                finished.forget();
                let failed = Closure::<dyn Fn()>::new(move || {
                    on_done(Err(ErrorBody {
                        code: ErrorCode::UploadInterrupted,
                        message: "The upload was interrupted or cancelled. Nothing was stored; try again.".into(),
                        field: None,
                        diagnostics: None,
                        fields: Vec::new(),
                    }))
                });
                xhr.set_onerror(Some(failed.as_ref().unchecked_ref()));
                xhr.set_onabort(Some(failed.as_ref().unchecked_ref()));
                failed.forget();
                xhr.send_with_opt_form_data(Some(&form)).map_err(js)?;
                Ok(Canceller { xhr })
            }
        }

        impl Canceller {
            pub fn cancel(&self) {
                let _ = self.xhr.abort();
            }
        }

        /// Moves focus to the shown step's heading once the page has drawn it.
        pub fn focus_step_heading_soon() {
            leptos::prelude::request_animation_frame(|| {
                let heading = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("wizard-step-heading"))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(heading) = heading {
                    let _ = heading.focus();
                }
            });
        }

        /// The browser's Back; `false` when it cannot go back.
        pub fn history_back() -> bool {
            web_sys::window()
                .and_then(|w| w.history().ok())
                .is_some_and(|h| h.back().is_ok())
        }
    }
    #[cfg(feature = "hydrate")]
    pub use browser::{focus_step_heading_soon, history_back};

    #[cfg(not(feature = "hydrate"))]
    mod server {
        use super::*;

        impl FileHandle {
            pub fn from_input(_: &leptos::ev::Event) -> Option<FileHandle> {
                None
            }
            pub fn from_drop(_: &leptos::ev::DragEvent) -> Option<FileHandle> {
                None
            }
            pub fn from_element(_: &leptos::web_sys::HtmlInputElement) -> Option<FileHandle> {
                None
            }
            pub fn show_in(&self, _: &leptos::web_sys::HtmlInputElement) {}
            pub fn name(&self) -> String {
                String::new()
            }
            pub fn size(&self) -> u64 {
                0
            }
            pub async fn validate(
                &self,
                _: Option<Kind>,
                _: Limits,
            ) -> (Result<Report, String>, f64) {
                (Err("validation runs in the browser".into()), 0.0)
            }
            pub async fn file_list(
                &self,
                _: &Limits,
            ) -> Result<Vec<crate::files::FileEntry>, String> {
                Err("files are read in the browser".into())
            }
            pub fn is_same(&self, _: &FileHandle) -> bool {
                false
            }
            pub fn upload(
                &self,
                _: &str,
                _: Vec<(&'static str, String)>,
                _: impl Fn(f64, f64, f64) + 'static,
                _: impl Fn(Result<ReleaseInfo, ErrorBody>) + 'static,
            ) -> Result<Canceller, String> {
                Err("uploads start in the browser".into())
            }
        }

        impl Canceller {
            pub fn cancel(&self) {}
        }

        pub fn focus_step_heading_soon() {}

        pub fn history_back() -> bool {
            false
        }
    }
    #[cfg(not(feature = "hydrate"))]
    pub use server::{focus_step_heading_soon, history_back};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_announced_at_a_few_milestones() {
        let at = |sent: f64| {
            announcement(
                Some(Progress {
                    sent,
                    total: 1000.0,
                    started_ms: 0.0,
                    now_ms: 1.0,
                }),
                true,
            )
        };
        assert_eq!(at(0.0), "Upload started.");
        assert_eq!(at(249.0), "Upload started.");
        assert_eq!(at(250.0), "25% uploaded.");
        assert_eq!(at(499.0), at(260.0), "nothing new between milestones");
        assert_eq!(at(500.0), "50% uploaded.");
        assert_eq!(at(999.0), "75% uploaded.");
        assert_eq!(at(1000.0), "100% uploaded. Checking the zip on the server…");
        assert_eq!(announcement(None, true), "Upload started.");
        assert_eq!(announcement(None, false), "");
    }

    #[test]
    fn each_step_has_its_address() {
        let release_of = (Kind::Package, "racer".to_string());
        assert_eq!(step_url(Step::Choose, None), "/upload");
        let odd = (Kind::AssetPack, "a&b c".to_string());
        assert_eq!(
            step_url(Step::Choose, Some(&odd)),
            "/upload?kind=assets&name=a%26b%20c"
        );
        assert_eq!(step_url(Step::Details, None), "/upload?step=details");
        assert_eq!(
            step_url(Step::Release, Some(&release_of)),
            "/upload?kind=packages&name=racer&step=release"
        );
        for step in [Step::Choose, Step::Details, Step::Release] {
            assert_eq!(Step::from_param(step.param()), step);
        }
        assert_eq!(Step::from_param(Some("upload")), Step::Choose);
    }
}
