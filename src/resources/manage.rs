//! Resource management beyond releases: deleting a resource (team admins and owners), shown in the
//! management area of its page.

use leptos::prelude::*;

use super::api::DeleteResource;
use super::path_of_kind;
use crate::ui::{action_error, field_error, FormAlert};
use crate::validate::Kind;

/// "Delete this resource": the name typed to confirm (checked by the store, so it works without
/// JavaScript too), then the resource, its releases and their files are deleted and the browser
/// goes to the team's page.
#[component]
pub fn DeleteResourceSection(kind: Kind, name: String) -> impl IntoView {
    let delete = ServerAction::<DeleteResource>::new();
    let error = action_error(delete);
    let confirm_error = field_error(error, "confirm");
    let what = match kind {
        Kind::Package => "package",
        Kind::AssetPack => "asset pack",
    };
    view! {
        <ActionForm action=delete attr:class="stack panel danger-zone delete-resource" attr:aria-labelledby="delete-resource-heading">
            <h2 id="delete-resource-heading">"Delete this resource"</h2>
            <p>
                {format!("This deletes the {what} ")} <strong class="mono">{name.clone()}</strong>
                " with all its releases, published ones included, and their files. Game servers that use it will no longer find it, and its name becomes free for anyone. This cannot be undone."
            </p>
            <FormAlert error=error />
            <input type="hidden" name="kind" value=path_of_kind(kind) />
            <input type="hidden" name="name" value=name.clone() />
            <div class="field" class:has-error=move || confirm_error.get().is_some()>
                <label for="delete-resource-confirm">{format!("Type {name} to confirm")}</label>
                <input
                    id="delete-resource-confirm"
                    name="confirm"
                    type="text"
                    autocomplete="off"
                    required=true
                    aria-invalid=move || confirm_error.get().is_some().then_some("true")
                    aria-describedby="delete-resource-confirm-error"
                />
                <p class="field-error" id="delete-resource-confirm-error" aria-live="polite">
                    {move || confirm_error.get()}
                </p>
            </div>
            <div>
                <button type="submit" class="button danger">"Delete this resource"</button>
                {move || delete.pending().get().then(|| view! { <span class="muted" role="status">" Deleting…"</span> })}
            </div>
        </ActionForm>
    }
}
