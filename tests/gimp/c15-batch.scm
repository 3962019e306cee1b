; SPDX-License-Identifier: GPL-3.0-or-later
; C14 and C15: a batch script as a user writes it: load a file, run the
; filter non-interactively with named arguments (no dialog, no GTK: the
; harness fails on any message from the plug-in), save, and see failures.

(let* ((in (ns-path "content/chelsea.png"))
       (out (string-append ns-out "/chelsea-styled.png"))
       (img (car (gimp-file-load RUN-NONINTERACTIVE in)))
       (drw (vector-ref (car (gimp-image-get-layers img)) 0)))
  (gimp-image-scale img 90 60)
  ; C14: only the style file; every other argument has its default.
  (define first
    (car (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE
                               #:image img #:drawables (vector drw)
                               #:style-file
                               (ns-path "style/starry_night.jpg"))))
  (ns-check "c14 defaults only" (= (ns-n-layers img) 2))
  ; C15: named arguments (enough steps for the progress loop to poll a
  ; few times), then save the styled layer alone.
  (let ((layer (car (plug-in-neural-style
                      #:run-mode RUN-NONINTERACTIVE
                      #:image img #:drawables (vector drw)
                      #:style-file (ns-path "style/the_scream.jpg")
                      #:net "squeezenet" #:strength 0.8 #:iterations 1500
                      #:size 0 #:seed 42 #:preserve-colors FALSE))))
    (ns-check "c15 new layer directly above the source"
              (equal? (ns-layers img) (list first layer drw))
              (ns-layers img))
    (gimp-image-remove-layer img first)
    (gimp-item-set-visible drw FALSE)
    (gimp-file-save RUN-NONINTERACTIVE img out -1)
    (gimp-item-set-visible drw TRUE)
    (let* ((back (car (gimp-file-load RUN-NONINTERACTIVE out)))
           (saved (ns-top back)))
      (ns-check "c15 saved file holds the layer"
                (and (= (car (gimp-image-get-width back)) 90)
                     (equal? (ns-rgb (ns-pixel saved 30 30))
                             (ns-rgb (ns-pixel layer 30 30))))
                (ns-pixel saved 30 30) (ns-pixel layer 30 30))
      (gimp-image-delete back)))
  ; A failure reaches the script as an error it can catch and read.
  (ns-check "c15 failure seen by the script"
            (and (not (ns-try
                        (lambda ()
                          (plug-in-neural-style
                            #:run-mode RUN-NONINTERACTIVE
                            #:image img #:drawables (vector drw)
                            #:style-file (ns-path "odd/truncated.jpg")))))
                 (ns-contains? ns-last-error "truncated.jpg"))
            ns-last-error)
  (gimp-image-delete img))
