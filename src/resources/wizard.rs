//! The upload wizard (`/upload`): choose a zip (checked at once in the browser by the WASM
//! validator, reading only the bytes it needs), describe a new resource, set the release, and
//! upload with a real progress bar.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::api::{create_resource, markdown_preview, name_available, ResourceDetails};
use super::{kind_from_path, path_of_kind, Channel, ReleaseInfo};
use crate::error::ErrorBody;
use crate::teams::api::my_teams;
use crate::teams::pages::CreateTeamForm;
use crate::validate::{human_size, Diagnostic, Kind, PackageType, Report, Severity};

/// Where the wizard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Choose,
    Details,
    Release,
    Upload,
}

/// Upload progress.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Progress {
    sent: f64,
    total: f64,
    started_ms: f64,
    now_ms: f64,
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

/// `/upload`, or `/upload?kind=packages&name=NAME` for a new release of an existing resource.
#[component]
pub fn UploadPage() -> impl IntoView {
    let query = use_query_map();
    let existing = move || {
        let q = query.read();
        match (
            q.get("kind").and_then(|k| kind_from_path(&k)),
            q.get("name"),
        ) {
            (Some(kind), Some(name)) => Some((kind, name)),
            _ => None,
        }
    };
    let step = RwSignal::new(Step::Choose);
    let report = RwSignal::new(None::<Report>);
    let checked_ms = RwSignal::new(None::<f64>);
    let file_name = RwSignal::new(String::new());
    let file_size = RwSignal::new(0u64);
    // Details
    let name = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let short_description = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let details_error = RwSignal::new(None::<ErrorBody>);
    // Set once the resource exists, so that going back and forth does not create it twice.
    let created = RwSignal::new(false);
    // Release
    let channel = RwSignal::new(Channel::Stable);
    let changelog = RwSignal::new(String::new());
    let publish_now = RwSignal::new(false);
    // Upload
    let progress = RwSignal::new(None::<Progress>);
    let upload_error = RwSignal::new(None::<ErrorBody>);
    let uploading = RwSignal::new(false);
    let file =
        StoredValue::<_, BrowserStorage>::new_with_storage(None::<send_wrapper_file::FileHandle>);
    let canceller =
        StoredValue::<_, BrowserStorage>::new_with_storage(None::<send_wrapper_file::Canceller>);
    let navigate = use_navigate();

    let kind = Memo::new(move |_| {
        existing()
            .map(|(k, _)| k)
            .or_else(|| report.get().and_then(|r| r.kind))
            .unwrap_or(Kind::Package)
    });

    let on_file = move |picked: send_wrapper_file::FileHandle| {
        file_name.set(picked.name());
        file_size.set(picked.size());
        report.set(None);
        checked_ms.set(None);
        let expected = existing().map(|(k, _)| k);
        file.set_value(Some(picked.clone()));
        leptos::task::spawn_local(async move {
            let (result, ms) = picked.validate(expected).await;
            checked_ms.set(Some(ms));
            match result {
                Ok(r) => {
                    if let Some(m) = &r.manifest {
                        if title.get_untracked().is_empty() {
                            title.set(m.title.clone().unwrap_or_default());
                        }
                        if category.get_untracked().is_empty() {
                            category.set(
                                m.package_type
                                    .map(|t| t.as_str().to_string())
                                    .unwrap_or_default(),
                            );
                        }
                    }
                    report.set(Some(r));
                }
                Err(message) => upload_error.set(Some(ErrorBody {
                    code: "read-error".into(),
                    message,
                    field: None,
                    diagnostics: None,
                    fields: Vec::new(),
                })),
            }
        });
    };

    let start_upload = move || {
        let Some(handle) = file.get_value() else {
            return;
        };
        let (kind, resource) = match existing() {
            Some((k, n)) => (k, n),
            None => (kind.get_untracked(), name.get_untracked()),
        };
        step.set(Step::Upload);
        upload_error.set(None);
        uploading.set(true);
        let url = format!("/store/v1/{}/{}/releases", path_of_kind(kind), resource);
        let fields = vec![
            ("changelog", changelog.get_untracked()),
            ("channel", channel.get_untracked().as_str().to_string()),
            ("publish", publish_now.get_untracked().to_string()),
        ];
        let navigate = navigate.clone();
        let on_done = move |result: Result<ReleaseInfo, ErrorBody>| {
            uploading.set(false);
            match result {
                Ok(release) => navigate(
                    &format!(
                        "/{}/{}/releases/{}",
                        path_of_kind(kind),
                        resource,
                        release.version
                    ),
                    Default::default(),
                ),
                Err(e) => upload_error.set(Some(e)),
            }
        };
        let on_progress = move |sent: f64, total: f64, now_ms: f64| {
            progress.update(|p| {
                let started_ms = p.map(|p| p.started_ms).unwrap_or(now_ms);
                *p = Some(Progress {
                    sent,
                    total,
                    started_ms,
                    now_ms,
                });
            })
        };
        progress.set(None);
        match handle.upload(&url, fields, on_progress, on_done) {
            Ok(c) => canceller.set_value(Some(c)),
            Err(message) => {
                uploading.set(false);
                upload_error.set(Some(ErrorBody {
                    code: "upload-failed".into(),
                    message,
                    field: None,
                    diagnostics: None,
                    fields: Vec::new(),
                }));
            }
        }
    };

    let start_upload = StoredValue::<_, BrowserStorage>::new_with_storage(start_upload);
    let submit_details = move || {
        details_error.set(None);
        if created.get_untracked() {
            step.set(Step::Release);
            return;
        }
        let kind = kind.get_untracked();
        leptos::task::spawn_local(async move {
            let details = ResourceDetails {
                name: name.get_untracked(),
                team: team.get_untracked(),
                title: title.get_untracked(),
                short_description: short_description.get_untracked(),
                description: description.get_untracked(),
                category: category.get_untracked(),
                tags: tags.get_untracked(),
            };
            match create_resource(path_of_kind(kind).to_string(), details).await {
                Ok(_) => {
                    created.set(true);
                    step.set(Step::Release);
                }
                Err(e) => details_error.set(Some(e)),
            }
        });
    };

    view! {
        <Title text="Upload" />
        <section class="stack-lg wizard">
            <h1>{move || match existing() { Some((_, n)) => format!("New release of {n}"), None => "Upload a new resource".into() }}</h1>
            <ol class="steps" aria-label="Steps">
                <li class:current=move || step.get() == Step::Choose>"Choose the zip"</li>
                {move || existing().is_none().then(|| view! { <li class:current=move || step.get() == Step::Details>"Details"</li> })}
                <li class:current=move || step.get() == Step::Release>"Release"</li>
                <li class:current=move || step.get() == Step::Upload>"Upload"</li>
            </ol>

            <Show when=move || step.get() == Step::Choose>
                <ChooseZip on_file=on_file file_name file_size />
                {move || checked_ms.get().map(|ms| view! { <p class="muted" data-testid="check-time">{format!("Checked in your browser in {ms:.0} ms, without uploading anything.")}</p> })}
                {move || report.get().map(|r| {
                    let valid = r.valid;
                    view! {
                        <div class="panel stack" data-testid="verdict">
                            {if valid {
                                view! { <p class="verdict ok" role="status">"✓ This zip is valid."</p> }.into_any()
                            } else {
                                view! { <p class="verdict bad" role="alert">"✗ This zip cannot be uploaded. Fix the errors below and choose it again."</p> }.into_any()
                            }}
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
                                <button type="button" class="button" disabled=!valid on:click=move |_| {
                                    step.set(if existing().is_some() { Step::Release } else { Step::Details })
                                }>"Continue"</button>
                            </p>
                        </div>
                    }
                })}
            </Show>

            <Show when=move || step.get() == Step::Details>
                <DetailsStep kind name team title short_description description category tags error=details_error.into() />
                <p>
                    <button type="button" class="button-link" on:click=move |_| step.set(Step::Choose)>"← Back"</button> " "
                    <button type="button" class="button" on:click=move |_| submit_details()>"Continue"</button>
                </p>
            </Show>

            <Show when=move || step.get() == Step::Release>
                <ReleaseStep channel changelog publish_now />
                <p>
                    <button type="button" class="button" on:click=move |_| start_upload.with_value(|start| start())>"Upload"</button>
                </p>
            </Show>

            <Show when=move || step.get() == Step::Upload>
                <UploadStep progress uploading error=upload_error.into() on_cancel=move || {
                    if let Some(c) = canceller.get_value() { c.cancel(); }
                } on_retry=move || step.set(Step::Release) />
            </Show>
        </section>
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
    file_name: RwSignal<String>,
    file_size: RwSignal<u64>,
) -> impl IntoView {
    let (dragging, set_dragging) = signal(false);
    view! {
        <div
            class="dropzone"
            class:dragging=dragging
            on:dragover=move |ev| { ev.prevent_default(); set_dragging.set(true); }
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                set_dragging.set(false);
                if let Some(f) = send_wrapper_file::FileHandle::from_drop(&ev) { on_file.run(f); }
            }
        >
            <label for="zip">"Choose the release zip, or drop it here"</label>
            <input id="zip" name="zip" type="file" accept=".zip,application/zip" on:change=move |ev| {
                if let Some(f) = send_wrapper_file::FileHandle::from_input(&ev) { on_file.run(f); }
            } />
            {move || (!file_name.get().is_empty()).then(|| view! {
                <p class="muted">{format!("{} ({})", file_name.get(), human_size(file_size.get()))}</p>
            })}
        </div>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn DetailsStep(
    kind: Memo<Kind>,
    name: RwSignal<String>,
    team: RwSignal<String>,
    title: RwSignal<String>,
    short_description: RwSignal<String>,
    description: RwSignal<String>,
    category: RwSignal<String>,
    tags: RwSignal<String>,
    error: Signal<Option<ErrorBody>>,
) -> impl IntoView {
    let field = move |f: &'static str| move || error.get().and_then(|e| e.for_field(f));
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
            <h2>"Details"</h2>
            {move || error.get().filter(|e| e.field.is_none()).map(|e| view! { <p class="alert error" role="alert">{e.message}</p> })}
            <div class="field">
                <label for="res-name">"Name"</label>
                <p class="hint">"The folder name on game servers: lowercase letters, digits and '-'. It cannot change later."</p>
                <input id="res-name" type="text" pattern="[a-z0-9\\-]{1,64}" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
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
                <select id="res-team" on:change=move |ev| team.set(event_target_value(&ev)) prop:value=team>
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
                        set_creating_team.set(false);
                        teams_version.update(|v| *v += 1);
                    } />
                </Show>
            </div>
            <div class="field">
                <label for="res-title">"Title"</label>
                <input id="res-title" type="text" prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) />
                <p class="field-error">{field("title")}</p>
            </div>
            <div class="field">
                <label for="res-short">"Short description"</label>
                <input id="res-short" type="text" maxlength=super::SHORT_DESCRIPTION_MAX prop:value=short_description on:input=move |ev| short_description.set(event_target_value(&ev)) />
                <p class="field-error">{field("short_description")}</p>
            </div>
            <div class="field">
                <label for="res-description">"Description (Markdown)"</label>
                <textarea id="res-description" rows=6 prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                <MarkdownPreview text=description />
            </div>
            <div class="field">
                <label for="res-category">"Category"</label>
                {move || match kind.get() {
                    Kind::Package => view! {
                        <select id="res-category" on:change=move |ev| category.set(event_target_value(&ev))>
                            {PackageType::TABLES.into_iter().map(|(t, _)| view! {
                                <option value=t.as_str() selected=move || category.get() == t.as_str()>{t.as_str()}</option>
                            }).collect_view()}
                        </select>
                    }.into_any(),
                    Kind::AssetPack => view! {
                        <input id="res-category" type="text" placeholder="vehicles" prop:value=category on:input=move |ev| category.set(event_target_value(&ev)) />
                    }.into_any(),
                }}
                <p class="field-error">{field("category")}</p>
            </div>
            <div class="field">
                <label for="res-tags">"Tags (comma-separated, up to 10)"</label>
                <input id="res-tags" type="text" prop:value=tags on:input=move |ev| tags.set(event_target_value(&ev)) />
                <p class="field-error">{field("tags")}</p>
            </div>
        </div>
    }
}

#[component]
fn ReleaseStep(
    channel: RwSignal<Channel>,
    changelog: RwSignal<String>,
    publish_now: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="panel stack">
            <h2>"Release"</h2>
            <div class="field">
                <label for="rel-channel">"Channel"</label>
                <select id="rel-channel" on:change=move |ev| { if let Ok(c) = Channel::parse(&event_target_value(&ev)) { channel.set(c) } }>
                    {Channel::ALL.into_iter().rev().map(|c| view! { <option value=c.as_str() selected=move || channel.get() == c>{c.as_str()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="rel-changelog">"Changelog (Markdown)"</label>
                <textarea id="rel-changelog" rows=5 prop:value=changelog on:input=move |ev| changelog.set(event_target_value(&ev))></textarea>
                <MarkdownPreview text=changelog />
            </div>
            <label class="check">
                <input type="checkbox" prop:checked=publish_now on:change=move |ev| publish_now.set(event_target_checked(&ev)) />
                " Publish now (otherwise it is kept as a draft only your team sees)"
            </label>
        </div>
    }
}

#[component]
fn UploadStep(
    progress: RwSignal<Option<Progress>>,
    uploading: RwSignal<bool>,
    error: Signal<Option<ErrorBody>>,
    #[prop(into)] on_cancel: Callback<()>,
    #[prop(into)] on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="panel stack">
            <h2>"Upload"</h2>
            {move || {
                let p = progress.get().unwrap_or_default();
                let percent = if p.total > 0.0 { 100.0 * p.sent / p.total } else { 0.0 };
                let seconds = ((p.now_ms - p.started_ms) / 1000.0).max(0.001);
                let speed = p.sent / seconds;
                let left = if speed > 0.0 { (p.total - p.sent) / speed } else { 0.0 };
                view! {
                    <progress data-testid="upload-progress" max="100" value=format!("{percent:.1}") aria-label="Upload progress"></progress>
                    <p class="muted" aria-live="polite">
                        {format!("{} of {} sent · {}/s · {:.0} s left", human_size(p.sent as u64), human_size(p.total as u64), human_size(speed as u64), left)}
                    </p>
                }
            }}
            {move || (uploading.get() && progress.get().is_some_and(|p| p.sent >= p.total)).then(|| view! {
                <p role="status">"Checking the zip on the server…"</p>
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

/// Where the wizard keeps values that hold browser objects (the chosen file, the upload in flight).
/// In the browser these are not `Send`, so they need local storage. On the server the handles
/// are empty, and local storage would be wrong: a server render may end on another thread than
/// it started, and dropping a local value there panics ("Dropped SendWrapper<T> variable from a
/// thread different to the one it has been created with").
#[cfg(feature = "hydrate")]
type BrowserStorage = LocalStorage;
#[cfg(not(feature = "hydrate"))]
type BrowserStorage = SyncStorage;

/// The browser's `File` and `XMLHttpRequest`, behind small handles that compile (and do nothing)
/// on the server, where the wizard only renders its first step.
mod send_wrapper_file {
    use crate::error::ErrorBody;
    use crate::resources::ReleaseInfo;
    use crate::validate::{Kind, Report};

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
                input.files()?.get(0).map(|file| FileHandle { file })
            }

            pub fn from_drop(ev: &web_sys::DragEvent) -> Option<FileHandle> {
                ev.data_transfer()?
                    .files()?
                    .get(0)
                    .map(|file| FileHandle { file })
            }

            pub fn name(&self) -> String {
                self.file.name()
            }

            pub fn size(&self) -> u64 {
                self.file.size() as u64
            }

            /// Validates in metadata mode, reading slices of the file; returns the time it took.
            pub async fn validate(&self, expected: Option<Kind>) -> (Result<Report, String>, f64) {
                let started = js_sys::Date::now();
                let options = crate::validate::Options {
                    expected_kind: expected,
                    ..Default::default()
                };
                let source = crate::validate::source::BlobSource::new(self.file.clone().into());
                let result = crate::validate::validate(&source, &options)
                    .await
                    .map_err(|e| format!("The file could not be read: {e}"));
                (result, js_sys::Date::now() - started)
            }

            /// Uploads the file with `fields` to `url` as multipart, reporting progress.
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
                form.append_with_blob_and_filename("file", &self.file, "release.zip")
                    .map_err(js)?;
                for (name, value) in fields {
                    form.append_with_str(name, &value).map_err(js)?;
                }
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
                                code: "bad-response".into(),
                                message: format!("The store answered in a way this page does not understand: {e}"),
                                field: None,
                                diagnostics: None,
                                fields: Vec::new(),
                            })
                        } else {
                            Err(
                                serde_json::from_str::<ErrorBody>(&text).unwrap_or(ErrorBody {
                                    code: "upload-failed".into(),
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
                        code: "upload-interrupted".into(),
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
    }

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
            pub fn name(&self) -> String {
                String::new()
            }
            pub fn size(&self) -> u64 {
                0
            }
            pub async fn validate(&self, _: Option<Kind>) -> (Result<Report, String>, f64) {
                (Err("validation runs in the browser".into()), 0.0)
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
    }
}
