//! The one place templates render (briefs, health reports, playbook texts): each source is
//! compiled once per thread, and escaping follows the template's name, as minijinja's default
//! does: a `.html` name escapes every value, any other renders text as it is.

use crate::error::Result;
use std::cell::RefCell;

thread_local! {
    /// Compiled templates keyed by source and name: an import renders the same few playbook
    /// templates for thousands of handoffs.
    static TEMPLATES: RefCell<minijinja::Environment<'static>> =
        RefCell::new(minijinja::Environment::new());
}

/// Renders template `src` (known to the user as `name`) with `ctx`. A syntax error is reported
/// under `name`.
pub(crate) fn render(name: &str, src: &str, ctx: minijinja::Value) -> Result<String> {
    // The name ends the key, so the default escaping (by the name's ending) still applies.
    let key = format!("{src}\u{1f}{name}");
    TEMPLATES.with_borrow_mut(|env| {
        if env.get_template(&key).is_err() {
            minijinja::Environment::new().template_from_named_str(name, src)?;
            env.add_template_owned(key.clone(), src.to_string())?;
        }
        Ok(env.get_template(&key)?.render(ctx)?)
    })
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn html_names_escape_and_others_render_text_as_it_is() {
        let ctx = minijinja::context! { v => "<b>&" };
        assert_eq!(
            render("x.html", "{{ v }}", ctx.clone()).unwrap(),
            "&lt;b&gt;&amp;"
        );
        assert_eq!(render("x.md", "{{ v }}", ctx.clone()).unwrap(), "<b>&");
        assert_eq!(render("title", "{{ v }}", ctx).unwrap(), "<b>&");
        let e = render("email_body", "{{ v", minijinja::context! {}).unwrap_err();
        assert!(e.to_string().contains("email_body"), "{e}");
    }
}
